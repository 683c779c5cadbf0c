#!/usr/bin/env node
// The CLI lives in dist/ (built from src/bin/p2p-node.ts). This file is committed so that
// installing the workspace can link the `p2p-node` bin before anything is built.
import '../dist/bin/p2p-node.js'
