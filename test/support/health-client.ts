export {
  HealthCheckRequest,
  HealthCheckResponse_ServingStatus,
  HealthClient,
} from '../../gen/grpc/health/v1/health';
