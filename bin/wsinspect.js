#!/usr/bin/env node
// Runs the compiled CLI; `npm install` builds dist/ through the `prepare` script.
import { main } from '../dist/cli/entry.js';
main(process.argv.slice(2));
