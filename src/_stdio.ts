// The SDK's stdio transport, loaded by the command line only when it serves stdio.
// @ts-types="@modelcontextprotocol/sdk/server/stdio"
export { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
