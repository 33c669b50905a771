// What hangs off one qualifier of a function (a version, an alias, $LATEST or the unqualified function):
// its resource policy, provisioned concurrency, event invoke config and function URL. Removed with it.
import type { LambdaCtx } from './store.js';
import { scopeOf, tables } from './store.js';

export function qualifierKey(name: string, qualifier: string | undefined): string {
  return `${name}:${qualifier ?? ''}`;
}

export function deleteQualifierResources(ctx: LambdaCtx, name: string, qualifier: string | undefined): void {
  const t = tables(ctx.store);
  const scope = scopeOf(ctx);
  const key = qualifierKey(name, qualifier);
  t.policies.delete(scope, key);
  t.provisioned.delete(scope, key);
  t.eventConfigs.delete(scope, qualifierKey(name, qualifier ?? '$LATEST'));
  const url = t.urls.get(scope, key);
  if (url) {
    t.urlIds.delete({ account: '*', region: '*' }, url.UrlId);
    t.urls.delete(scope, key);
  }
}
