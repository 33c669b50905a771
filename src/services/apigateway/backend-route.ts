// How the data plane reaches an HTTP backend beyond its URL: the stage's client certificate (presented to https
// backends) and, for private integrations (connectionType VPC_LINK), the Network Load Balancer of the VPC link,
// whose listener on the URL's port takes the request.
import type { Integration } from '../../generated/apigateway.js';
import { clientCertificateMaterial } from './client-certs.js';
import type { BackendVia } from './http-call.js';
import { listenerOnPort } from '../elbv2/index.js';
import { withStageVariables } from './mapping.js';
import type { ApiRequest } from './request.js';
import { vpcLinkTarget } from './vpc-links.js';

export function backendVia(req: ApiRequest, integ: Integration): BackendVia | undefined {
  const scope = { account: req.account, region: req.region };
  const via: BackendVia = {};
  const certId = req.stage.clientCertificateId;
  const material = certId ? clientCertificateMaterial(req.runtime.store, scope, certId) : undefined;
  if (certId && material) via.clientCertificate = { id: certId, ...material };
  if (integ.connectionType === 'VPC_LINK' && (integ.type === 'HTTP' || integ.type === 'HTTP_PROXY')) {
    const linkId = withStageVariables(integ.connectionId ?? '', req);
    const target = vpcLinkTarget(req.runtime, scope, linkId);
    if ('error' in target) return { ...via, unreachable: target.error };
    let url: URL;
    try {
      url = new URL(withStageVariables(integ.uri ?? '', req));
    } catch {
      return { ...via, unreachable: `Invalid endpoint address: ${integ.uri}` };
    }
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const l = listenerOnPort(req.runtime, scope, target.loadBalancerArn, port);
    if (!l?.localPort) return { ...via, unreachable: `The Network Load Balancer of VPC link ${linkId} has no listener on port ${port}` };
    // a TLS listener terminates TLS; a TCP listener passes the URL's scheme through
    via.connectTo = { host: l.host, port: l.localPort, tls: l.protocol === 'TLS' || l.protocol === 'HTTPS' || (l.protocol !== 'HTTP' && url.protocol === 'https:') };
  }
  return via.clientCertificate || via.connectTo ? via : undefined;
}
