// Small shared pieces: loading and error notes, a confirmation dialog (native <dialog>: the
// browser traps focus and Escape closes it), and a page heading that takes focus on
// navigation so keyboard and screen reader users land on the new page.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

export function Loading({ what }: { what: string }) {
  return <p class="muted" role="status">Loading {what}…</p>;
}

export function ErrorNote({ error }: { error: Error | undefined }) {
  if (error === undefined) return null;
  return <p class="error" role="alert">{error.message}</p>;
}

export function Heading({ children }: { children: ComponentChildren }) {
  const h = useRef<HTMLHeadingElement>(null);
  // After a navigation, not on the first load (where the skip link comes first).
  useEffect(() => {
    if (document.body.dataset.navigated === 'true') h.current?.focus();
  }, []);
  return <h1 tabIndex={-1} ref={h}>{children}</h1>;
}

export function Confirm({ open, title, children, confirmLabel, onConfirm, onClose }: {
  open: boolean; title: string; children: ComponentChildren; confirmLabel: string; onConfirm: () => void; onClose: () => void;
}) {
  const d = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const el = d.current;
    if (el === null) return;
    if (open && !el.open) el.showModal();
    if (!open && el.open) el.close();
  }, [open]);
  return (
    <dialog ref={d} onClose={onClose} aria-labelledby="confirm-title">
      <h2 id="confirm-title">{title}</h2>
      {children}
      <div class="actions">
        <button type="button" onClick={onClose}>Cancel</button>
        <button type="button" class="danger" onClick={onConfirm}>{confirmLabel}</button>
      </div>
    </dialog>
  );
}
