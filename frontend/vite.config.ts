import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// `npm run dev` serves the UI on :5173 and forwards API calls to the backend on :8000.
export default defineConfig({
  plugins: [react()],
  server: {
    proxy: { "/api": "http://localhost:8000" },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
    // Sized for a loaded 2-core CI machine, where a test can take 10x its idle time: only a
    // hung test reaches these. findBy*/waitFor wait up to ASYNC_TIMEOUT_MS (src/test/setup.ts).
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
