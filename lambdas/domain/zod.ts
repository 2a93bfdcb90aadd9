/**
 * zod for the code bundled into the Lambdas: the tree-shakable functional API `zod/mini`, with English messages.
 *
 * Classic `zod` (`import { z } from 'zod'`) cannot be tree-shaken and weighs ~450 kB in every bundle; `zod/mini`
 * has the same core (same checks, issue codes, paths and JSON Schema output) but loads no locale, so its issues
 * would all read "Invalid input". Issue messages reach callers (validation.ts, configuration errors), so the
 * English locale classic zod registers is registered here, once, before any schema parses.
 *
 * Import it as a namespace, `import * as z from './zod'`: esbuild then keeps only what is used. A named `z`
 * (`import { z } from 'zod/mini'`, or `export * as z` here) is an object holding all of zod, locales included.
 */
import { en } from 'zod/locales';
import { config } from 'zod/mini';

config(en());

export * from 'zod/mini';
