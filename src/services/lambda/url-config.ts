// Function URL configs (the control plane; function-urls.ts serves the traffic): one URL per function or
// alias, http://<url-id>.lambda-url.<region>.localhost:<port>/ on Cumulus's own port.
import { randomBytes } from 'node:crypto';
import type { Cors, LambdaOperations } from '../../generated/lambda.js';
import { paginate } from '../../protocol/pagination.js';
import type { RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { aliasRecord } from './aliases.js';
import { conflict, functionNotFound, resourceNotFound } from './errors.js';
import { getFunction, type Ctx } from './functions.js';
import { functionArn, parseFunctionName } from './names.js';
import { qualifierKey } from './qualifier-resources.js';
import { type LambdaCtx, type Store, scopeOf, tables, URL_ID_SCOPE, type UrlConfigRecord } from './store.js';
import { RecordCache } from '../../state/record-cache.js';

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

function newUrlId(): string {
  let s = '';
  for (const b of randomBytes(32)) s += ALNUM[b % 36];
  return s;
}

/** The port clients reach Cumulus on (from the Host they used), for URLs handed back to them. */
function portOf(ctx: RequestContext): number {
  const m = /:(\d+)$/.exec(ctx.host);
  return m ? Number(m[1]) : ctx.config.port;
}

export function functionUrl(urlId: string, region: string, port: number): string {
  return `http://${urlId}.lambda-url.${region}.localhost:${port}/`;
}

function target(ctx: Ctx, functionName: string, qualifierIn: string | undefined): { name: string; qualifier?: string } {
  const ref = parseFunctionName(ctx, functionName, qualifierIn);
  const fn = getFunction(ctx, ref.name);
  // the model allows only alias names here (no version numbers, no $LATEST)
  if (ref.qualifier !== undefined && !aliasRecord(ctx, fn.FunctionName, ref.qualifier)) {
    throw functionNotFound(functionArn(ctx, fn.FunctionName, ref.qualifier));
  }
  return { name: fn.FunctionName, qualifier: ref.qualifier };
}

function view(ctx: RequestContext, r: UrlConfigRecord) {
  return {
    FunctionUrl: functionUrl(r.UrlId, ctx.region, portOf(ctx)),
    FunctionArn: functionArn(ctx, r.FunctionName, r.Qualifier),
    AuthType: r.AuthType,
    Cors: r.Cors as Cors | undefined,
    CreationTime: r.CreationTime,
    LastModifiedTime: r.LastModifiedTime,
    InvokeMode: r.InvokeMode,
  };
}

export const urlConfigHandlers: Handlers<LambdaOperations> = {
  CreateFunctionUrlConfig(ctx: RequestContext, input) {
    const { name, qualifier } = target(ctx, input.FunctionName, input.Qualifier);
    const t = tables(ctx.store);
    const key = qualifierKey(name, qualifier);
    if (t.urls.has(scopeOf(ctx), key)) {
      throw conflict(
        `Failed to create function url config for [functionArn = ${functionArn(ctx, name, qualifier)}]. Error message:  FunctionUrlConfig exists for this Lambda function`,
      );
    }
    let urlId = newUrlId();
    while (t.urlIds.has(URL_ID_SCOPE, urlId)) urlId = newUrlId();
    const now = ctx.clock.date().toISOString();
    const r: UrlConfigRecord = {
      FunctionName: name,
      Qualifier: qualifier,
      UrlId: urlId,
      AuthType: input.AuthType,
      Cors: input.Cors as Record<string, unknown> | undefined,
      InvokeMode: input.InvokeMode ?? 'BUFFERED',
      CreationTime: now,
      LastModifiedTime: now,
    };
    t.urls.put(scopeOf(ctx), key, r);
    t.urlIds.put(URL_ID_SCOPE, urlId, { account: ctx.account, region: ctx.region, FunctionName: name, Qualifier: qualifier });
    const { LastModifiedTime: _, ...created } = view(ctx, r);
    return created;
  },

  GetFunctionUrlConfig(ctx: RequestContext, input) {
    const { name, qualifier } = target(ctx, input.FunctionName, input.Qualifier);
    const r = tables(ctx.store).urls.get(scopeOf(ctx), qualifierKey(name, qualifier));
    if (!r) throw resourceNotFound();
    return view(ctx, r);
  },

  UpdateFunctionUrlConfig(ctx: RequestContext, input) {
    const { name, qualifier } = target(ctx, input.FunctionName, input.Qualifier);
    const t = tables(ctx.store);
    const r = t.urls.get(scopeOf(ctx), qualifierKey(name, qualifier));
    if (!r) throw resourceNotFound();
    if (input.AuthType !== undefined) r.AuthType = input.AuthType;
    if (input.Cors !== undefined) r.Cors = input.Cors as Record<string, unknown>;
    if (input.InvokeMode !== undefined) r.InvokeMode = input.InvokeMode;
    r.LastModifiedTime = ctx.clock.date().toISOString();
    t.urls.put(scopeOf(ctx), qualifierKey(name, qualifier), r);
    return view(ctx, r);
  },

  DeleteFunctionUrlConfig(ctx: RequestContext, input) {
    const { name, qualifier } = target(ctx, input.FunctionName, input.Qualifier);
    const t = tables(ctx.store);
    const key = qualifierKey(name, qualifier);
    const r = t.urls.get(scopeOf(ctx), key);
    if (!r) throw resourceNotFound();
    t.urls.delete(scopeOf(ctx), key);
    t.urlIds.delete(URL_ID_SCOPE, r.UrlId);
    return undefined;
  },

  ListFunctionUrlConfigs(ctx: RequestContext, input) {
    const { name } = target(ctx, input.FunctionName, undefined);
    const items = tables(ctx.store)
      .urls.list(scopeOf(ctx))
      .filter((r) => r.FunctionName === name)
      .map((r) => view(ctx, r));
    const page = paginate(items, (r) => r.FunctionArn, { token: input.Marker, max: input.MaxItems, defaultMax: 50, invalidTokenCode: 'InvalidParameterValueException' });
    return { FunctionUrlConfigs: page.items, NextMarker: page.next };
  },
};

type UrlTarget = { account: string; region: string; FunctionName: string; Qualifier?: string; AuthType: 'NONE' | 'AWS_IAM'; Cors?: Cors; InvokeMode: string; FunctionArn: string };

/** URL ids resolved while no Lambda record has changed (two SQLite reads per request otherwise). */
const urlTargets = new RecordCache<Readonly<UrlTarget> | undefined>('lambda');

/** The function a URL id leads to (for the URL data plane). The answer is shared: it must not be changed. */
export function functionUrlById(runtime: { store: Store }, urlId: string): Readonly<UrlTarget> | undefined {
  return urlTargets.get(runtime.store, urlId, () => urlTargetOf(runtime.store, urlId));
}

function urlTargetOf(store: Store, urlId: string): Readonly<UrlTarget> | undefined {
  const t = tables(store);
  const id = t.urlIds.get(URL_ID_SCOPE, urlId.toLowerCase());
  if (!id) return undefined;
  const scope: LambdaCtx = { store, account: id.account, region: id.region };
  const r = t.urls.get(scopeOf(scope), qualifierKey(id.FunctionName, id.Qualifier));
  if (!r) return undefined;
  return Object.freeze({
    account: id.account,
    region: id.region,
    FunctionName: r.FunctionName,
    Qualifier: r.Qualifier,
    AuthType: r.AuthType,
    Cors: r.Cors as Cors | undefined,
    InvokeMode: r.InvokeMode,
    FunctionArn: functionArn(scope, r.FunctionName, r.Qualifier),
  });
}
