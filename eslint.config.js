import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test-results/', 'bench/results/', 'ui/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }]
    }
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' }
  },
  {
    // benchmarks and the interop test's builder and peer driver are plain ESM programs run by node
    files: ['bench/**/*.js', 'test/interop/**/*.js'],
    // this one declares its globals itself
    ignores: ['bench/files-chunk-size.js'],
    languageOptions: {
      globals: {
        process: 'readonly', console: 'readonly', performance: 'readonly', fetch: 'readonly', Buffer: 'readonly',
        setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', URL: 'readonly', AbortSignal: 'readonly'
      }
    }
  },
  {
    // the daemon interop suite: plain ESM run by node and mocha, against packages of its own folder
    files: ['test/interop/daemon/**/*.js', 'test/interop/daemon/**/*.cjs'],
    languageOptions: {
      globals: {
        require: 'readonly', module: 'writable', __dirname: 'readonly',
        process: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly',
        describe: 'readonly', it: 'readonly', before: 'readonly', beforeEach: 'readonly', after: 'readonly', afterEach: 'readonly'
      }
    }
  },
  {
    // mocha loads reporters with require()
    files: ['test/interop/daemon/**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' }
  },
  {
    files: ['bin/**/*.js', 'scripts/**/*.js', 'eslint.config.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly' } }
  },
  {
    // build inputs of the bundle (package.json, build:bundle): CommonJS shims that esbuild inlines
    files: ['build/**/*.cjs'],
    languageOptions: { globals: { require: 'readonly', module: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' }
  }
)
