// Layer versions by ARN: a function may name a layer of its own account or of another one (in its region).
import { type LambdaCtx, type LayerVersionRecord, tables } from './store.js';

const LAYER_VERSION_ARN = /^arn:[^:]+:lambda:([a-z0-9-]+):(\d{12}):layer:([a-zA-Z0-9-_]+):(\d+)$/;

export function parseLayerVersionArn(arn: string): { region: string; account: string; name: string; version: number } | undefined {
  const m = LAYER_VERSION_ARN.exec(arn);
  return m ? { region: m[1]!, account: m[2]!, name: m[3]!, version: Number(m[4]) } : undefined;
}

export function findLayerVersionByArn(ctx: LambdaCtx, arn: string): LayerVersionRecord | undefined {
  const p = parseLayerVersionArn(arn);
  if (!p || p.region !== ctx.region) return undefined;
  return tables(ctx.store).layerVersions.get({ account: p.account, region: p.region }, `${p.name}:${p.version}`);
}
