#!/usr/bin/env node
// Installed entry point: runs the compiled CLI (npm pack builds dist/ first).
import '../dist/cli.js';
