import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Auth0Sandbox, SCRIPT_NAMES, SCRIPTS, SCRIPTS_DIR } from '../support/auth0-sandbox';

const DEPLOY_DIR = join(__dirname, '..', '..', 'auth0', 'deploy', 'database-connections', 'legacy-identity');
/** Auth0: larger scripts add latency to every execution. */
const SCRIPT_MAX_BYTES = 100 * 1024;

interface DatabaseJson {
  name: string;
  strategy: string;
  options: {
    enabledDatabaseCustomization: boolean;
    import_mode: boolean;
    customScripts: Record<string, string>;
    configuration: Record<string, string>;
  };
}

describe('auth0/scripts and the Deploy CLI directory', () => {
  for (const name of SCRIPT_NAMES) {
    describe(`${name}.js`, () => {
      const source = readFileSync(join(SCRIPTS_DIR, `${name}.js`), 'utf8');

      it(`is one self-contained function ${SCRIPTS[name].fn}(${[...SCRIPTS[name].params, 'callback'].join(', ')})`, () => {
        // An empty context: loading must need nothing (no require, no globals) and run nothing.
        const fn = Auth0Sandbox.load(name, {});
        assert.equal(fn.name, SCRIPTS[name].fn);
        assert.doesNotMatch(source, /\brequire\(/);
      });

      it('is under 100 KB and has no ##KEYWORD## the Deploy CLI would replace', () => {
        assert.ok(Buffer.byteLength(source) < SCRIPT_MAX_BYTES);
        assert.doesNotMatch(source, /##/);
      });

      it('is deployed byte for byte as the Deploy CLI copy', () => {
        const deployed = readFileSync(join(DEPLOY_DIR, `${name}.js`), 'utf8');
        assert.ok(
          deployed === source,
          `auth0/deploy/…/${name}.js differs from auth0/scripts/${name}.js: cp auth0/scripts/*.js ${DEPLOY_DIR}/`,
        );
      });
    });
  }

  describe('database.json', () => {
    const database = JSON.parse(readFileSync(join(DEPLOY_DIR, 'database.json'), 'utf8')) as DatabaseJson;

    it('is an Auth0 database connection with custom scripts, legacy mode by default', () => {
      assert.equal(database.name, 'legacy-identity');
      assert.equal(database.strategy, 'auth0');
      assert.equal(database.options.enabledDatabaseCustomization, true);
      assert.equal(database.options.import_mode, false);
    });

    it('names each of the seven script files, which exist', () => {
      assert.deepEqual(Object.keys(database.options.customScripts).sort(), [...SCRIPT_NAMES].sort());
      for (const [name, file] of Object.entries(database.options.customScripts)) {
        assert.equal(file, `./${name}.js`);
        assert.ok(existsSync(join(DEPLOY_DIR, file)));
      }
    });

    it('takes BRIDGE_URL and BRIDGE_TOKEN from Deploy CLI keyword replacement, never a literal secret', () => {
      assert.deepEqual(database.options.configuration, {
        BRIDGE_URL: '##BRIDGE_URL##',
        BRIDGE_TOKEN: '##BRIDGE_TOKEN##',
      });
    });
  });
});
