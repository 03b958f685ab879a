// Consumer groups: state, protocol and members, linking to each group.
import { api, enc } from '../api.js';
import { count } from '../format.js';
import { usePoll } from '../hooks.js';
import { ErrorNote, Heading, Loading } from '../ui.js';

interface GroupRow { group: string; state: string; protocolType: string; members: number }

export function Groups() {
  const groups = usePoll(() => api<GroupRow[]>('/groups'), 5000);
  return (
    <>
      <Heading>Consumer groups</Heading>
      <ErrorNote error={groups.error} />
      {groups.data === undefined ? <Loading what="groups" /> : (
        <table>
          <caption class="sr-only">{groups.data.length} groups</caption>
          <thead><tr><th scope="col">Group</th><th scope="col">State</th><th scope="col">Protocol</th><th scope="col" class="num">Members</th></tr></thead>
          <tbody>
            {groups.data.map((g) => <tr key={g.group}><td><a href={`#/groups/${enc(g.group)}`}>{g.group}</a></td><td>{g.state}</td><td>{g.protocolType || '–'}</td><td class="num">{count(g.members)}</td></tr>)}
            {groups.data.length === 0 && <tr><td colSpan={4} class="muted">No groups yet.</td></tr>}
          </tbody>
        </table>
      )}
    </>
  );
}
