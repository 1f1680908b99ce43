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
    // CI machines are shared and loaded: generous limits, never a reason to fail.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
