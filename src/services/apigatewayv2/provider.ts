// API Gateway HTTP APIs (apigatewayv2): the control plane spreads one handler group per concept; the data
// plane (deployed stages answering HTTP on Cumulus's port) is registered at init.
import type { Apigatewayv2Operations } from '../../generated/apigatewayv2.js';
import { defineService } from '../define.js';
import { apiMappingHandlers } from './api-mappings.js';
import { apiHandlers } from './apis.js';
import { authorizerHandlers } from './authorizers.js';
import { installDataPlane, stopDataPlane } from './data-plane.js';
import { deploymentHandlers } from './deployments.js';
import { domainHandlers } from './domains.js';
import { integrationHandlers } from './integrations.js';
import { openApiHandlers } from './openapi.js';
import { routeHandlers } from './routes.js';
import { stageHandlers } from './stages.js';
import { tagHandlers } from './tags.js';
import { vpcLinkHandlers } from './vpc-links.js';

export default defineService<Apigatewayv2Operations>(
  'apigatewayv2',
  {
    ...apiHandlers,
    ...routeHandlers,
    ...integrationHandlers,
    ...authorizerHandlers,
    ...stageHandlers,
    ...deploymentHandlers,
    ...tagHandlers,
    ...vpcLinkHandlers,
    ...openApiHandlers,
    ...domainHandlers,
    ...apiMappingHandlers,
  },
  {
    validationErrorCode: 'BadRequestException',
    init: (runtime) => installDataPlane(runtime),
    stop: (runtime) => stopDataPlane(runtime),
  },
);
