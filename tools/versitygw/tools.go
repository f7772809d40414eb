//go:build tools

// Package tools pins the Versity S3 Gateway (Apache-2.0) that the tests run as their S3 server;
// scripts/s3-server.mjs builds it with
// `go build -o bin/versitygw-v1.8.0 github.com/versity/versitygw/cmd/versitygw`.
package tools

import _ "github.com/versity/versitygw/cmd/versitygw"
