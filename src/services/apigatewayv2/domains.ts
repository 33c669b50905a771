// Custom domain names through apigatewayv2. Domain names are one namespace shared with REST APIs: the records
// are apigateway's (src/services/apigateway/domains.ts), so a domain created here is visible through
// apigateway's GetDomainName and the other way round. This file presents them in v2's shape
// (DomainNameConfigurations) and takes v2's input. HTTP APIs support Regional domain names only, so v2 creates
// Regional ones; an edge-optimized domain made through apigateway is still shown here.
import type { Apigatewayv2Operations, DomainName, DomainNameConfiguration } from '../../generated/apigatewayv2.js';
import type { RequestContext } from '../../server/context.js';
import type { Handlers } from '../define.js';
import { checkCertificate, createDomain, findDomain, listDomains, removeDomain, saveDomain, type DomainRecord } from '../apigateway/index.js';
import { badRequest, notFound } from './errors.js';
import { page } from './lookup.js';

export function domainOf(ctx: RequestContext, name: string): DomainRecord {
  const d = findDomain(ctx, name);
  if (!d) throw notFound('The domain name resource specified in the request was not found.', 'DomainName');
  return d;
}

export const isEdge = (d: DomainRecord) => d.endpointConfiguration?.types?.[0] === 'EDGE';

function view(d: DomainRecord): DomainName {
  const edge = isEdge(d);
  const config: DomainNameConfiguration = {
    ApiGatewayDomainName: edge ? d.distributionDomainName : d.regionalDomainName,
    CertificateArn: edge ? d.certificateArn : d.regionalCertificateArn,
    CertificateName: edge ? d.certificateName : d.regionalCertificateName,
    CertificateUploadDate: d.certificateUploadDate,
    DomainNameStatus: (d.domainNameStatus ?? 'AVAILABLE') as DomainNameConfiguration['DomainNameStatus'],
    EndpointType: edge ? 'EDGE' : 'REGIONAL',
    HostedZoneId: edge ? d.distributionHostedZoneId : d.regionalHostedZoneId,
    SecurityPolicy: d.securityPolicy as DomainNameConfiguration['SecurityPolicy'],
  };
  return {
    ApiMappingSelectionExpression: '$request.basepath',
    DomainName: d.domainName,
    DomainNameArn: d.domainNameArn,
    DomainNameConfigurations: [config],
    RoutingMode: 'API_MAPPING_ONLY',
    Tags: d.tags,
  };
}

/** Features Cumulus does not have are refused, not silently dropped. */
function refuseUnsupported(input: { MutualTlsAuthentication?: unknown; RoutingMode?: string }): void {
  if (input.MutualTlsAuthentication !== undefined) {
    throw badRequest('MutualTlsAuthentication is not supported by Cumulus: custom domain names are served over plain HTTP on its port, without a truststore.');
  }
  if (input.RoutingMode !== undefined && input.RoutingMode !== 'API_MAPPING_ONLY') {
    throw badRequest(`RoutingMode ${input.RoutingMode} is not supported by Cumulus: routing rules are not implemented; use API_MAPPING_ONLY.`);
  }
}

function oneConfiguration(configs: DomainNameConfiguration[] | undefined): DomainNameConfiguration {
  if (!configs?.length) throw badRequest('DomainNameConfigurations must contain a domain name configuration with a CertificateArn.');
  if (configs.length > 1) throw badRequest('Only one domain name configuration is supported per domain name.');
  return configs[0]!;
}

export const domainHandlers: Handlers<Apigatewayv2Operations> = {
  CreateDomainName(ctx, input) {
    refuseUnsupported(input);
    const c = oneConfiguration(input.DomainNameConfigurations);
    if (c.EndpointType === 'EDGE') throw badRequest('Edge-optimized custom domain names are not supported for HTTP APIs: use EndpointType REGIONAL (or create the domain name through the apigateway API).');
    if (!c.CertificateArn) throw badRequest('A regional certificate was not provided for the regional domain name.');
    const d = createDomain(ctx, {
      domainName: input.DomainName,
      endpointConfiguration: { types: ['REGIONAL'] },
      regionalCertificateArn: c.CertificateArn,
      regionalCertificateName: c.CertificateName,
      securityPolicy: c.SecurityPolicy,
      tags: input.Tags,
    });
    return view(d);
  },
  GetDomainName(ctx, { DomainName }) {
    return view(domainOf(ctx, DomainName));
  },
  GetDomainNames(ctx, input) {
    const p = page(listDomains(ctx), (d) => d.domainName, input);
    return { Items: p.Items.map(view), NextToken: p.NextToken };
  },
  UpdateDomainName(ctx, input) {
    refuseUnsupported(input);
    const d = domainOf(ctx, input.DomainName);
    if (input.DomainNameConfigurations) {
      const c = oneConfiguration(input.DomainNameConfigurations);
      const edge = isEdge(d);
      if (c.EndpointType && c.EndpointType !== (edge ? 'EDGE' : 'REGIONAL')) throw badRequest('The endpoint type of a domain name cannot be changed.');
      if (c.CertificateArn) {
        checkCertificate(ctx, c.CertificateArn, edge);
        if (edge) d.certificateArn = c.CertificateArn;
        else d.regionalCertificateArn = c.CertificateArn;
      }
      if (c.CertificateName !== undefined) {
        if (edge) d.certificateName = c.CertificateName;
        else d.regionalCertificateName = c.CertificateName;
      }
      if (c.SecurityPolicy && c.SecurityPolicy !== d.securityPolicy) {
        if (c.SecurityPolicy !== 'TLS_1_2' && d.mappings.some((m) => m.basePath.includes('/'))) {
          throw badRequest('The security policy of a domain name with multi-level API mappings must be TLS_1_2.');
        }
        d.securityPolicy = c.SecurityPolicy;
      }
    }
    saveDomain(ctx, d);
    return view(d);
  },
  DeleteDomainName(ctx, { DomainName }) {
    removeDomain(ctx, domainOf(ctx, DomainName));
  },
};
