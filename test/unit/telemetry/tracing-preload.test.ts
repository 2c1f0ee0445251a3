import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { trace } from '@opentelemetry/api';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { missingTracingPreload, tracerProviderRegistered } from '../../../src/telemetry/tracing-preload';

describe('missingTracingPreload', () => {
  beforeEach(() => {
    assert.equal(tracerProviderRegistered(), false, 'a previous suite left a tracer provider registered');
  });

  const configured: Record<string, Record<string, string>> = {
    'OTEL_TRACES_EXPORTER=otlp': { OTEL_TRACES_EXPORTER: 'otlp' },
    'OTEL_TRACES_EXPORTER=console': { OTEL_TRACES_EXPORTER: 'console' },
    'an OTLP endpoint and no exporter named': { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' },
    'a traces endpoint and no exporter named': {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces',
    },
    'an exporter register.ts would refuse': { OTEL_TRACES_EXPORTER: 'jaeger' },
  };
  for (const [name, env] of Object.entries(configured)) {
    it(`warns when ${name} is set but no tracer provider is registered`, () => {
      const warning = missingTracingPreload(env);
      assert.ok(warning, 'a warning');
      assert.match(warning, /not running/);
      assert.match(warning, /--require \S*register\.ts/);
    });
  }

  it('names the preload command with paths that exist (the sources here, dist/ when compiled)', () => {
    const warning = missingTracingPreload({ OTEL_TRACES_EXPORTER: 'otlp' }) ?? '';
    const command = /`([^`]+)`/.exec(warning)?.[1] ?? '';
    assert.equal(command, 'node --require tsx/cjs --require ./src/telemetry/register.ts ./src/cli.ts serve');
    for (const file of ['src/telemetry/register.ts', 'src/cli.ts']) assert.ok(existsSync(resolve(file)), file);
  });

  it('shows absolute paths when run from another directory', () => {
    const warning = missingTracingPreload({ OTEL_TRACES_EXPORTER: 'otlp' }, '/elsewhere') ?? '';
    assert.ok(warning.includes(`--require ${resolve('src/telemetry/register.ts')} ${resolve('src/cli.ts')} serve`));
  });

  const off: Record<string, Record<string, string>> = {
    'no OTEL_* variable': {},
    'OTEL_TRACES_EXPORTER=none': { OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' },
    'OTEL_SDK_DISABLED=true': { OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' },
    'only a service name': { OTEL_SERVICE_NAME: 'x' },
  };
  for (const [name, env] of Object.entries(off)) {
    it(`says nothing with ${name} (tracing is meant to be off)`, () => {
      assert.equal(missingTracingPreload(env), null);
    });
  }

  it('says nothing when a tracer provider is registered (the preload ran)', async () => {
    const provider = new TracerProvider();
    trace.setGlobalTracerProvider(provider);
    try {
      assert.equal(tracerProviderRegistered(), true);
      assert.equal(missingTracingPreload({ OTEL_TRACES_EXPORTER: 'otlp' }), null);
    } finally {
      trace.disable();
      await provider.shutdown();
    }
  });
});
