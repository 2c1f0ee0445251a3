import assert from 'node:assert/strict';
import {
  DEFAULT_SERVICE_NAME,
  readTelemetrySettings,
  TelemetryConfigError,
} from '../../../src/telemetry/telemetry-settings';

function configError(env: Record<string, string>): TelemetryConfigError {
  try {
    readTelemetrySettings(env);
  } catch (error) {
    if (error instanceof TelemetryConfigError) return error;
    throw error;
  }
  throw new Error('expected a TelemetryConfigError');
}

describe('readTelemetrySettings', () => {
  it('leaves tracing off unless an exporter or an OTLP endpoint is configured', () => {
    assert.equal(readTelemetrySettings({}), null);
    assert.equal(readTelemetrySettings({ OTEL_SERVICE_NAME: 'x' }), null);
    assert.equal(readTelemetrySettings({ OTEL_TRACES_EXPORTER: 'none' }), null);
    assert.equal(readTelemetrySettings({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }), null);
  });

  it('exports OTLP over HTTP/protobuf to the endpoint plus /v1/traces by default', () => {
    const settings = readTelemetrySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' });
    assert.deepEqual(settings?.exporters, ['otlp']);
    assert.deepEqual(settings?.otlp, { url: 'http://collector:4318/v1/traces', protocol: 'http/protobuf' });
    assert.equal(settings?.serviceName, DEFAULT_SERVICE_NAME);
    assert.equal(settings?.sampler.kind, 'parentbased_always_on');
    assert.equal(settings?.batch.scheduledDelayMillis, 5000);
  });

  it('uses a traces-specific endpoint as it is, and defaults to localhost:4318', () => {
    assert.equal(
      readTelemetrySettings({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://c/x' })?.otlp
        .url,
      'https://c/x',
    );
    assert.equal(readTelemetrySettings({ OTEL_TRACES_EXPORTER: 'otlp' })?.otlp.url, 'http://localhost:4318/v1/traces');
  });

  it('reads several exporters, JSON, the service name, resource attributes, sampler and batch delay', () => {
    const settings = readTelemetrySettings({
      OTEL_TRACES_EXPORTER: 'console, otlp,console',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,team=id%20platform,service.name=from-resource',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    });
    assert.deepEqual(settings?.exporters, ['console', 'otlp']);
    assert.equal(settings?.otlp.protocol, 'http/json');
    assert.equal(settings?.serviceName, 'from-resource');
    assert.deepEqual(settings?.resourceAttributes, { 'deployment.environment': 'prod', team: 'id platform' });
    assert.deepEqual(settings?.sampler, { kind: 'parentbased_traceidratio', ratio: 0.25 });
    assert.equal(settings?.batch.scheduledDelayMillis, 200);
    assert.equal(
      readTelemetrySettings({
        OTEL_TRACES_EXPORTER: 'console',
        OTEL_SERVICE_NAME: 'svc',
        OTEL_RESOURCE_ATTRIBUTES: 'service.name=r',
      })?.serviceName,
      'svc',
    );
  });

  it('refuses what it cannot honour, naming the key', () => {
    assert.equal(configError({ OTEL_TRACES_EXPORTER: 'jaeger' }).key, 'OTEL_TRACES_EXPORTER');
    assert.equal(
      configError({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' }).key,
      'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
    );
    assert.equal(
      configError({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER: 'sometimes' }).key,
      'OTEL_TRACES_SAMPLER',
    );
    assert.equal(
      configError({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' })
        .key,
      'OTEL_TRACES_SAMPLER_ARG',
    );
    assert.equal(
      configError({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_BSP_SCHEDULE_DELAY: 'soon' }).key,
      'OTEL_BSP_SCHEDULE_DELAY',
    );
    assert.equal(configError({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }).key, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  });

  it('refuses credentials in the endpoint URL without echoing them', () => {
    const error = configError({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://user:hunter2secret@collector:4318' });
    assert.equal(error.key, 'OTEL_EXPORTER_OTLP_ENDPOINT');
    assert.ok(!error.message.includes('hunter2secret'));
  });
});
