// API Gateway REST APIs: the control plane spreads one handler group per concept; the data plane (deployed
// stages answering HTTP on Cumulus's port) is registered at init.
import type { ApigatewayOperations } from '../../generated/apigateway.js';
import { defineService } from '../define.js';
import { accountHandlers } from './account.js';
import { apiHandlers } from './apis.js';
import { authorizerHandlers } from './authorizers.js';
import { clientCertificateHandlers } from './client-certs.js';
import { installDataPlane, stopDataPlane } from './data-plane.js';
import { deploymentHandlers } from './deployments.js';
import { documentationHandlers } from './documentation.js';
import { domainHandlers } from './domains.js';
import { gatewayResponseHandlers } from './gateway-responses.js';
import { integrationHandlers } from './integrations.js';
import { keyHandlers } from './keys.js';
import { methodHandlers } from './methods.js';
import { modelHandlers } from './models.js';
import { resourceHandlers } from './resources.js';
import { sdkHandlers } from './sdk.js';
import { stageHandlers } from './stages.js';
import { exportHandlers } from './openapi-export.js';
import { importHandlers } from './openapi-import.js';
import { tagHandlers } from './tags.js';
import { testInvokeHandlers } from './test-invoke.js';
import { usagePlanHandlers } from './usage-plans.js';
import { vpcLinkHandlers } from './vpc-links.js';

export default defineService<ApigatewayOperations>(
  'apigateway',
  {
    ...apiHandlers,
    ...resourceHandlers,
    ...methodHandlers,
    ...integrationHandlers,
    ...modelHandlers,
    ...authorizerHandlers,
    ...gatewayResponseHandlers,
    ...deploymentHandlers,
    ...stageHandlers,
    ...keyHandlers,
    ...usagePlanHandlers,
    ...tagHandlers,
    ...accountHandlers,
    ...testInvokeHandlers,
    ...importHandlers,
    ...exportHandlers,
    ...domainHandlers,
    ...clientCertificateHandlers,
    ...vpcLinkHandlers,
    ...documentationHandlers,
    ...sdkHandlers,
  },
  {
    validationErrorCode: 'BadRequestException',
    init: (runtime) => installDataPlane(runtime),
    stop: (runtime) => stopDataPlane(runtime),
  },
);
