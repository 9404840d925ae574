#!/usr/bin/env node
'use strict';
const path = require('path');
const fs = require('fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  console.error(`deep-lessons: ${cli} is missing. Build it first: npm run build`);
  process.exit(2);
}
require(cli);
