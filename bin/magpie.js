#!/usr/bin/env node
// The `magpie` command (package.json "bin"). Works from any working directory: the package
// root is derived from this file's location, so migrations and the TypeScript sources are
// found there, while MAGPIE_DATA_DIR (default ./data) still resolves against the caller's cwd.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.env.MAGPIE_ROOT = root;

// Compile the TypeScript sources on the fly with the project's tsconfig (path alias @/* → ./*).
register({ tsconfig: path.join(root, 'tsconfig.json') });

await import(pathToFileURL(path.join(root, 'server', 'cli', 'main.ts')).href);
