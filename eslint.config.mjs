import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

// Module boundaries: apps never import apps (each app has its own scope and may use only
// scope:shared); domain libs import no infrastructure; contracts import nothing. Only test
// files (specs, e2e suites) may use the testing harness.
const SCOPES = [
  'master',
  'agent',
  'marathon',
  'mesos-dns',
  'iam',
  'admin-router',
  'dss',
  'cli',
  'tools',
];
function boundaries(tests) {
  const testing = tests ? ['type:testing'] : [];
  return [
    'error',
    {
      enforceBuildableLibDependency: false,
      allow: [],
      banTransitiveDependencies: false,
      depConstraints: [
        {
          sourceTag: 'type:app',
          onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:infra', ...testing],
        },
        {
          sourceTag: 'type:tool',
          onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:infra', 'type:testing'],
        },
        {
          sourceTag: 'type:testing',
          onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:infra', 'type:testing'],
        },
        {
          sourceTag: 'type:infra',
          onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:infra', ...testing],
        },
        {
          sourceTag: 'type:domain',
          onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', ...testing],
        },
        { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts', ...testing] },
        { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
        ...SCOPES.map((s) => ({
          sourceTag: `scope:${s}`,
          onlyDependOnLibsWithTags: ['scope:shared'],
        })),
      ],
    },
  ];
}

export default [
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.data/**',
      'bench/results/**',
      'coverage/**',
      '.nx/**',
    ],
  },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  prettier,
  {
    files: ['**/*.ts'],
    rules: {
      // Module boundaries: apps never import apps (each app has its own scope and may use
      // only scope:shared); domain libs import no infrastructure; contracts import nothing.
      '@nx/enforce-module-boundaries': boundaries(false),
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-empty-function': 'off',
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.e2e.ts', '**/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@nx/enforce-module-boundaries': boundaries(true),
    },
  },
];
