// Shared setup of the API Gateway tests: an SDK client, an API built step by step, stage URLs.
import { APIGatewayClient, CreateDeploymentCommand, CreateResourceCommand, CreateRestApiCommand, PutIntegrationCommand, PutIntegrationResponseCommand, PutMethodCommand, PutMethodResponseCommand, type PutIntegrationCommandInput, type PutMethodCommandInput } from '@aws-sdk/client-api-gateway';

export class ApiBuilder {
  readonly paths = new Map<string, string>();

  private constructor(readonly gw: APIGatewayClient, readonly id: string, rootId: string) {
    this.paths.set('/', rootId);
  }

  static async create(gw: APIGatewayClient, name: string, extra: Record<string, unknown> = {}): Promise<ApiBuilder> {
    const a = await gw.send(new CreateRestApiCommand({ name, ...extra }));
    return new ApiBuilder(gw, a.id!, a.rootResourceId!);
  }

  /** The resource id of a path, created part by part. */
  async resource(path: string): Promise<string> {
    const known = this.paths.get(path);
    if (known) return known;
    const cut = path.lastIndexOf('/');
    const parent = await this.resource(cut === 0 ? '/' : path.slice(0, cut));
    const r = await this.gw.send(new CreateResourceCommand({ restApiId: this.id, parentId: parent, pathPart: path.slice(cut + 1) }));
    this.paths.set(path, r.id!);
    return r.id!;
  }

  async method(path: string, httpMethod: string, integration: Omit<PutIntegrationCommandInput, 'restApiId' | 'resourceId' | 'httpMethod'>, method: Partial<PutMethodCommandInput> = {}): Promise<string> {
    const resourceId = await this.resource(path);
    await this.gw.send(new PutMethodCommand({ restApiId: this.id, resourceId, httpMethod, authorizationType: 'NONE', ...method }));
    await this.gw.send(new PutIntegrationCommand({ restApiId: this.id, resourceId, httpMethod, ...integration }));
    return resourceId;
  }

  async response(path: string, httpMethod: string, statusCode: string, integration: { selectionPattern?: string; responseTemplates?: Record<string, string>; responseParameters?: Record<string, string> } = {}, methodParams?: Record<string, boolean>): Promise<void> {
    const resourceId = await this.resource(path);
    await this.gw.send(new PutMethodResponseCommand({ restApiId: this.id, resourceId, httpMethod, statusCode, responseParameters: methodParams }));
    await this.gw.send(new PutIntegrationResponseCommand({ restApiId: this.id, resourceId, httpMethod, statusCode, ...integration }));
  }

  async deploy(stageName: string, variables?: Record<string, string>): Promise<string> {
    const d = await this.gw.send(new CreateDeploymentCommand({ restApiId: this.id, stageName, variables }));
    return d.id!;
  }
}

export const stageUrl = (c: { url: string }, apiId: string, stage: string) => `${c.url}/_aws/execute-api/${apiId}/${stage}`;
