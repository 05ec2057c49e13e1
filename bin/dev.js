#!/usr/bin/env node
// Development entry: same commands (run `npm run build` first), with oclif's development mode on.
import { execute } from '@oclif/core'

await execute({ development: true, dir: import.meta.url })
