// Data hooks: usePoll fetches now and every `ms` while the page shows (and after refresh()),
// keeping the last good data when a poll fails; useRoute follows the location hash.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Polled<T> {
  data: T | undefined;
  error: Error | undefined;
  refresh: () => void;
}

export function usePoll<T>(load: () => Promise<T>, ms: number, deps: unknown[] = []): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    setData(undefined);
    setError(undefined);
  }, deps);
  useEffect(() => {
    let live = true;
    const run = (): void => {
      loadRef.current().then((d) => { if (live) { setData(d); setError(undefined); } }, (e: Error) => { if (live) setError(e); });
    };
    run();
    const timer = ms > 0 ? setInterval(run, ms) : undefined;
    return () => {
      live = false;
      if (timer !== undefined) clearInterval(timer);
    };
  }, [...deps, tick, ms]);
  const refresh = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, refresh };
}

export function useRoute(): string[] {
  const parse = (): string[] => (location.hash.replace(/^#\/?/, '') || 'overview').split('/').map((s) => decodeURIComponent(s));
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const on = (): void => {
      document.body.dataset.navigated = 'true';
      setRoute(parse());
    };
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}
