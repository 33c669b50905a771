// `cumulus fault …`: inject, list and clear faults on a running Cumulus (POST/GET/DELETE /_cumulus/faults).

export const FAULT_USAGE = `  fault kinds               list the fault kinds this Cumulus can inject
  fault list                list active faults
  fault inject KIND [k=v …] inject a fault, e.g. fault inject instance-system-check instanceId=i-0abc…
  fault clear [ID]          clear one fault, or all
`;

/** k=v pairs to a JSON spec; numbers and booleans keep their type. */
export function parseFaultArgs(kind: string, pairs: string[]): Record<string, unknown> {
  const spec: Record<string, unknown> = { kind };
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new Error(`expected key=value, got '${p}'`);
    const key = p.slice(0, eq);
    const raw = p.slice(eq + 1);
    spec[key] = raw === 'true' ? true : raw === 'false' ? false : raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  return spec;
}

export async function faultCommand(endpoint: string, args: string[], out: (s: string) => void): Promise<number> {
  const [sub, ...rest] = args;
  let res: Response;
  switch (sub) {
    case 'kinds':
      res = await fetch(`${endpoint}/_cumulus/faults/kinds`);
      break;
    case 'list':
    case undefined:
      res = await fetch(`${endpoint}/_cumulus/faults`);
      break;
    case 'inject': {
      const [kind, ...pairs] = rest;
      if (!kind) throw new Error('fault inject needs a KIND (see: cumulus fault kinds)');
      res = await fetch(`${endpoint}/_cumulus/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(parseFaultArgs(kind, pairs)),
      });
      break;
    }
    case 'clear':
      res = await fetch(`${endpoint}/_cumulus/faults${rest[0] ? `/${encodeURIComponent(rest[0])}` : ''}`, { method: 'DELETE' });
      break;
    default:
      throw new Error(`unknown fault command '${sub}'`);
  }
  out(`${JSON.stringify(await res.json(), null, 2)}\n`);
  return res.ok ? 0 : 1;
}
