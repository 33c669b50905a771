// Deployments: a snapshot of the API's routes, integrations and authorizers. Stages with AutoDeploy get a new
// deployment after every change to the API, as API Gateway does.
import { regional, type RequestContext } from '../../server/context.js';
import { newId } from './ids.js';
import { tables, type ApiRecord, type DeploymentRecord } from './store.js';

export function snapshot(api: ApiRecord): DeploymentRecord['snapshot'] {
  return structuredClone({ routes: api.routes, integrations: api.integrations, authorizers: api.authorizers });
}

export function createDeployment(ctx: RequestContext, api: ApiRecord, autoDeployed: boolean, description?: string): DeploymentRecord {
  const d: DeploymentRecord = {
    DeploymentId: newId(6),
    ApiId: api.ApiId,
    AutoDeployed: autoDeployed,
    Description: description,
    CreatedDate: ctx.clock.now(),
    snapshot: snapshot(api),
  };
  return tables(ctx.store).deployments.put(regional(ctx), `${api.ApiId}/${d.DeploymentId}`, d);
}

/** After a change to the API: each AutoDeploy stage is deployed again. */
export function autoDeploy(ctx: RequestContext, api: ApiRecord): void {
  const t = tables(ctx.store);
  const scope = regional(ctx);
  for (const stage of t.stages.list(scope)) {
    if (stage.ApiId !== api.ApiId || !stage.AutoDeploy) continue;
    const d = createDeployment(ctx, api, true);
    t.stages.put(scope, `${api.ApiId}/${stage.StageName}`, {
      ...stage,
      DeploymentId: d.DeploymentId,
      LastDeploymentStatusMessage: `Successfully deployed stage with deployment ID '${d.DeploymentId}'`,
      LastUpdatedDate: ctx.clock.now(),
    });
  }
}
