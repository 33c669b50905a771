// Layers: versioned zips unpacked under /opt of the functions that use them. Version numbers go on
// after a deletion; a function keeps a deleted layer version it already uses.
import { randomUUID } from 'node:crypto';
import type { GetLayerVersionResponse, LambdaOperations, LayerVersionsListItem } from '../../generated/lambda.js';
import { paginate } from '../../protocol/pagination.js';
import type { RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { codeLocation } from './code-download.js';
import { packageFromInput, scheduleGarbageCollection } from './code-package.js';
import { conflict, invalidParameter, notFound, resourceNotFound, revisionMismatch } from './errors.js';
import { findLayerVersionByArn } from './layer-store.js';
import { layerArn } from './names.js';
import { type LambdaCtx, type LayerVersionRecord, scopeOf, tables } from './store.js';

type Runtimes = LayerVersionsListItem['CompatibleRuntimes'];
type Architectures = LayerVersionsListItem['CompatibleArchitectures'];

/** LayerName may be a name or the layer's ARN (without version). */
function layerNameOf(ctx: LambdaCtx, value: string): string {
  const m = /^arn:[^:]+:lambda:([a-z0-9-]+):(\d{12}):layer:([a-zA-Z0-9-_]+)$/.exec(value);
  if (!m) return value;
  if (m[1] !== ctx.region || m[2] !== ctx.account) throw resourceNotFound();
  return m[3]!;
}

function listItem(ctx: LambdaCtx, l: LayerVersionRecord): LayerVersionsListItem {
  return {
    LayerVersionArn: layerArn(ctx, l.LayerName, l.Version),
    Version: l.Version,
    Description: l.Description,
    CreatedDate: l.CreatedDate,
    CompatibleRuntimes: l.CompatibleRuntimes as Runtimes,
    LicenseInfo: l.LicenseInfo,
    CompatibleArchitectures: l.CompatibleArchitectures as Architectures,
  };
}

function layerView(ctx: RequestContext, l: LayerVersionRecord, scope: LambdaCtx = ctx): GetLayerVersionResponse {
  return {
    Content: { Location: codeLocation(ctx, ctx.baseUrl, l.codeHex), CodeSha256: l.CodeSha256, CodeSize: l.CodeSize },
    LayerArn: layerArn(scope, l.LayerName),
    ...listItem(scope, l),
  };
}

function versionsOfLayer(ctx: LambdaCtx, name: string): LayerVersionRecord[] {
  return tables(ctx.store)
    .layerVersions.list(scopeOf(ctx))
    .filter((l) => l.LayerName === name)
    .sort((a, b) => b.Version - a.Version);
}

function matches(l: LayerVersionRecord, runtime?: string, arch?: string): boolean {
  return (!runtime || (l.CompatibleRuntimes ?? []).includes(runtime)) && (!arch || (l.CompatibleArchitectures ?? []).includes(arch));
}

function getLayerVersion(ctx: LambdaCtx, name: string, version: number): LayerVersionRecord {
  const l = tables(ctx.store).layerVersions.get(scopeOf(ctx), `${name}:${version}`);
  if (!l) throw resourceNotFound();
  return l;
}

function statementView(ctx: LambdaCtx, l: LayerVersionRecord, s: Record<string, unknown>): Record<string, unknown> {
  return { ...s, Resource: layerArn(ctx, l.LayerName, l.Version) };
}

export const layerHandlers: Handlers<LambdaOperations> = {
  PublishLayerVersion(ctx: RequestContext, input) {
    const name = layerNameOf(ctx, input.LayerName);
    const t = tables(ctx.store);
    const scope = scopeOf(ctx);
    const pkg = packageFromInput(ctx.store, input.Content, 'PublishLayerVersion');
    const layer = t.layers.get(scope, name) ?? { LayerName: name, nextVersion: 1 };
    const l: LayerVersionRecord = {
      LayerName: name,
      Version: layer.nextVersion,
      Description: input.Description ?? '',
      CreatedDate: ctx.clock.date().toISOString().replace('Z', '+0000'),
      CompatibleRuntimes: input.CompatibleRuntimes,
      CompatibleArchitectures: input.CompatibleArchitectures,
      LicenseInfo: input.LicenseInfo,
      CodeSha256: pkg.CodeSha256,
      CodeSize: pkg.CodeSize,
      codeHex: pkg.hex,
      UnzippedSize: pkg.UnzippedSize,
      Statements: [],
    };
    layer.nextVersion += 1;
    t.layers.put(scope, name, layer);
    t.layerVersions.put(scope, `${name}:${l.Version}`, l);
    return layerView(ctx, l);
  },

  GetLayerVersion(ctx: RequestContext, input) {
    return layerView(ctx, getLayerVersion(ctx, layerNameOf(ctx, input.LayerName), input.VersionNumber));
  },

  GetLayerVersionByArn(ctx: RequestContext, input) {
    const l = findLayerVersionByArn(ctx, input.Arn);
    if (!l) throw resourceNotFound();
    const [, , , region, account] = input.Arn.split(':');
    return layerView(ctx, l, { store: ctx.store, region: region!, account: account! });
  },

  ListLayers(ctx: RequestContext, input) {
    const items = tables(ctx.store)
      .layers.list(scopeOf(ctx))
      .map((layer) => ({ layer, latest: versionsOfLayer(ctx, layer.LayerName).find((l) => matches(l, input.CompatibleRuntime, input.CompatibleArchitecture)) }))
      .filter((x) => x.latest !== undefined)
      .sort((a, b) => a.layer.LayerName.localeCompare(b.layer.LayerName))
      .map(({ layer, latest }) => ({ LayerName: layer.LayerName, LayerArn: layerArn(ctx, layer.LayerName), LatestMatchingVersion: listItem(ctx, latest!) }));
    const page = paginate(items, (l) => l.LayerName, { token: input.Marker, max: input.MaxItems, defaultMax: 50, invalidTokenCode: 'InvalidParameterValueException' });
    return { Layers: page.items, NextMarker: page.next };
  },

  ListLayerVersions(ctx: RequestContext, input) {
    const name = layerNameOf(ctx, input.LayerName);
    const items = versionsOfLayer(ctx, name)
      .filter((l) => matches(l, input.CompatibleRuntime, input.CompatibleArchitecture))
      .map((l) => listItem(ctx, l));
    const page = paginate(items, (l) => String(l.Version), { token: input.Marker, max: input.MaxItems, defaultMax: 50, invalidTokenCode: 'InvalidParameterValueException' });
    return { LayerVersions: page.items, NextMarker: page.next };
  },

  DeleteLayerVersion(ctx: RequestContext, input) {
    // deleting a version that does not exist succeeds, as in AWS
    tables(ctx.store).layerVersions.delete(scopeOf(ctx), `${layerNameOf(ctx, input.LayerName)}:${input.VersionNumber}`);
    scheduleGarbageCollection(ctx.store, ctx.clock);
    return undefined;
  },

  AddLayerVersionPermission(ctx: RequestContext, input) {
    const l = getLayerVersion(ctx, layerNameOf(ctx, input.LayerName), input.VersionNumber);
    if (input.RevisionId !== undefined && input.RevisionId !== l.PolicyRevisionId) throw revisionMismatch('GetLayerPolicy');
    if (input.Action !== 'lambda:GetLayerVersion') {
      throw invalidParameter(`Value '${input.Action}' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: lambda:GetLayerVersion`);
    }
    if (l.Statements.some((s) => s.Sid === input.StatementId)) {
      throw conflict(`The statement id (${input.StatementId}) provided already exists. Please provide a new statement id, or remove the existing statement.`);
    }
    const principal = input.Principal === '*' ? '*' : { AWS: /^\d{12}$/.test(input.Principal) ? `arn:aws:iam::${input.Principal}:root` : input.Principal };
    const statement: Record<string, unknown> = { Sid: input.StatementId, Effect: 'Allow', Principal: principal, Action: input.Action };
    if (input.OrganizationId) statement.Condition = { StringEquals: { 'aws:PrincipalOrgID': input.OrganizationId } };
    l.Statements.push(statement);
    l.PolicyRevisionId = randomUUID();
    tables(ctx.store).layerVersions.put(scopeOf(ctx), `${l.LayerName}:${l.Version}`, l);
    return { Statement: JSON.stringify(statementView(ctx, l, statement)), RevisionId: l.PolicyRevisionId };
  },

  RemoveLayerVersionPermission(ctx: RequestContext, input) {
    const l = getLayerVersion(ctx, layerNameOf(ctx, input.LayerName), input.VersionNumber);
    if (input.RevisionId !== undefined && input.RevisionId !== l.PolicyRevisionId) throw revisionMismatch('GetLayerPolicy');
    const i = l.Statements.findIndex((s) => s.Sid === input.StatementId);
    if (i < 0) throw notFound(`Statement ${input.StatementId} is not found in resource policy.`);
    l.Statements.splice(i, 1);
    l.PolicyRevisionId = randomUUID();
    tables(ctx.store).layerVersions.put(scopeOf(ctx), `${l.LayerName}:${l.Version}`, l);
    return undefined;
  },

  GetLayerVersionPolicy(ctx: RequestContext, input) {
    const l = getLayerVersion(ctx, layerNameOf(ctx, input.LayerName), input.VersionNumber);
    if (!l.Statements.length) throw notFound('No policy is associated with the given resource.');
    const doc = { Version: '2012-10-17', Id: 'default', Statement: l.Statements.map((s) => statementView(ctx, l, s)) };
    return { Policy: JSON.stringify(doc), RevisionId: l.PolicyRevisionId };
  },
};
