#define FOO_GREETING "hello from ricc"
