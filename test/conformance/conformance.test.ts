// The conformance suite, generated from the models: for every operation of every service Cumulus
// implements, cases derived from the input shape (see cases.ts) are sent raw in the service's protocol.
// A violation must get the protocol's validation error (code and 400); a value just inside a bound must
// not get one (whatever else the provider answers: success, NotFound, 501…), and never a 5xx but 501.
// CUMULUS_CONFORMANCE_ALL=1 also runs every vendored model (validation only, for protocol work).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Cumulus } from '../../src/server/server.js';
import { loadModel, type ServiceModel } from '../../src/protocol/model.js';
import { startTestCumulus } from '../helpers/cumulus.js';
import { operationCases, type Case } from './cases.js';
import { encodeRequest, errorCode, errorMessage } from './encode.js';

const CAP_PER_OPERATION = Number(process.env.CUMULUS_CONFORMANCE_CAP ?? 24);
const CONCURRENCY = 8;

/** Operations whose valid calls start real work (processes, containers): only their violations are sent. */
const SIDE_EFFECTS: Record<string, string[]> = {
  ec2: ['RunInstances', 'StartInstances', 'RequestSpotInstances', 'RequestSpotFleet', 'CreateFleet'],
  lambda: ['Invoke', 'InvokeAsync', 'InvokeWithResponseStream'],
  ecs: ['RunTask', 'StartTask', 'CreateService'],
  batch: ['SubmitJob'],
  autoscaling: ['CreateAutoScalingGroup', 'SetDesiredCapacity', 'UpdateAutoScalingGroup'],
};

/** Operations AWS tells apart only by host name (S3's directory buckets live on s3express-control). */
const INDISTINGUISHABLE: Record<string, string[]> = {
  s3: ['ListDirectoryBuckets'],
};

interface Health {
  services: Record<string, { implemented: boolean }>;
}

interface Outcome {
  c: Case;
  status: number;
  code?: string;
  message?: string;
  problem?: string;
}

function expectedCode(cumulus: Cumulus, model: ServiceModel, c: Case): string {
  const own = cumulus.controlPlane.service(model.index.id)?.options.validationErrorCode;
  switch (model.index.protocol) {
    case 'ec2':
      return c.kind === 'required' ? 'MissingParameter' : 'InvalidParameterValue';
    case 'query':
      return own ?? 'ValidationError';
    default:
      return c.kind === 'type' ? 'SerializationException' : (own ?? 'ValidationException');
  }
}

const VALIDATION_MESSAGE = /^\d+ validation errors? detected: /;

/** A MissingParameter is the model's own check only when it names a member the model requires; a provider
 *  may require one of two optional members (EC2: launchTemplateName or launchTemplateId), as AWS does. */
function namesRequiredMember(model: ServiceModel, c: Case, message: string | undefined): boolean {
  const input = model.operations[c.operation]?.input;
  const required = (input?.shape ? model.shapes[input.shape]?.required : undefined) ?? [];
  const named = /parameter (\w+)/.exec(message ?? '')?.[1]?.toLowerCase();
  return named === undefined || required.some((r) => r.toLowerCase() === named);
}

/** Limits AWS enforces beyond what its published model says: a value the model allows is refused, as AWS refuses it. */
const STRICTER_THAN_MODEL: Record<string, string> = {
  // the model allows 140 characters because FunctionName may be an ARN; a plain name is at most 64
  'lambda.CreateFunction.FunctionName': 'length',
};

function judge(cumulus: Cumulus, model: ServiceModel, o: Outcome): string | undefined {
  const { c, status, code, message } = o;
  if (c.expect === 'violation') {
    const want = expectedCode(cumulus, model, c);
    // a HEAD answer has no body: the status is all there is
    if (model.operations[c.operation]?.http?.method === 'HEAD') return status === 400 ? undefined : `expected 400, got ${status}`;
    if (status !== 400 || code !== want) return `expected 400 ${want}, got ${status} ${code ?? ''}: ${message ?? ''}`;
    return undefined;
  }
  if (status >= 500 && status !== 501) return `a valid input got ${status} ${code ?? ''}: ${message ?? ''}`;
  const modelError =
    code === 'SerializationException' ||
    (code === 'MissingParameter' && namesRequiredMember(model, c, message)) ||
    (code === expectedCode(cumulus, model, c) && VALIDATION_MESSAGE.test(message ?? ''));
  const stricter = STRICTER_THAN_MODEL[`${model.metadata.endpointPrefix}.${c.operation}.${c.title.split(' ')[0]}`];
  if (status === 400 && modelError && !(stricter && c.title.split(' ')[1] === stricter)) {
    return `a value inside the bounds was refused: ${code}: ${message ?? ''}`;
  }
  return undefined;
}

async function run(cumulus: Cumulus, model: ServiceModel, c: Case): Promise<Outcome> {
  const op = model.operations[c.operation]!;
  const req = encodeRequest(model, op, c.input);
  try {
    const send = () => fetch(`${cumulus.url}${req.path}`, { method: req.method, headers: req.headers, body: req.method === 'GET' || req.method === 'HEAD' ? undefined : req.body });
    // a pooled connection the server closed while this process was busy fails before the request is sent: once more
    const res = await send().catch(send);
    const text = await res.text();
    const outcome: Outcome = { c, status: res.status, code: res.status >= 300 ? errorCode(res.headers, text) : undefined, message: res.status >= 300 ? errorMessage(text) : undefined };
    outcome.problem = judge(cumulus, model, outcome);
    return outcome;
  } catch (err) {
    return { c, status: 0, problem: `no answer: ${(err as Error).message}` };
  }
}

async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!);
      }
    }),
  );
  return results;
}

describe('conformance (generated from the models)', () => {
  let cumulus: Cumulus;
  let services: string[] = [];
  before(async () => {
    cumulus = await startTestCumulus();
    const health = (await (await fetch(`${cumulus.url}/_cumulus/health`)).json()) as Health;
    services = Object.entries(health.services)
      .filter(([, s]) => s.implemented || process.env.CUMULUS_CONFORMANCE_ALL === '1')
      .map(([id]) => id);
  });
  after(() => cumulus.stop());

  test('every implemented service conforms to its model', async (t) => {
    assert.ok(services.length > 0, 'at least one service is implemented');
    for (const id of services) {
      await t.test(id, async () => {
        const model = loadModel(id);
        const skipInside = new Set(SIDE_EFFECTS[id] ?? []);
        const cases = Object.values(model.operations)
          .filter((op) => !INDISTINGUISHABLE[id]?.includes(op.name))
          .flatMap((op) => operationCases(model, op, CAP_PER_OPERATION).cases)
          .filter((c) => c.expect === 'violation' || !skipInside.has(c.operation));
        const outcomes = await pool(cases, CONCURRENCY, (c) => run(cumulus, model, c));
        const failures = outcomes.filter((o) => o.problem);
        const report = failures
          .slice(0, 40)
          .map((o) => `  ${o.c.operation}: ${o.c.title} [${o.c.kind}, ${o.c.expect}] → ${o.problem}`)
          .join('\n');
        assert.equal(failures.length, 0, `${failures.length} of ${cases.length} cases of ${id} failed:\n${report}`);
        // the health endpoint must still answer after the run
        assert.equal((await fetch(`${cumulus.url}/_cumulus/health`)).status, 200);
      });
    }
  });
});
