// Draws the API reference from the deployment's own OpenAPI document.
// Nothing leaves the page for Scalar's services: no telemetry, no hosted
// fonts, no request proxy (the page's CSP allows 'self' only anyway).
/* global Scalar */
Scalar.createApiReference('#reference', {
  url: '/api/v1/openapi.json',
  telemetry: false,
  withDefaultFonts: false,
  hideClientButton: false,
  persistAuth: false,
  hideDownloadButton: false,
  metaData: { title: 'Aero2 API reference' },
  // System fonts (the bundled theme names fonts served from Scalar's own
  // host), and text colours (the tertiary one, the methods') dark enough for WCAG AA
  // contrast on the light background.
  customCss: `
    :root, .light-mode, .dark-mode {
      --scalar-font: ui-sans-serif, system-ui, sans-serif;
      --scalar-font-code: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
    }
    .light-mode {
      --scalar-color-3: #5c5c5c;
      --scalar-color-green: #087a2e;
      --scalar-color-blue: #0b5cad;
      --scalar-color-orange: #a84a00;
      --scalar-color-red: #b3261e;
      --scalar-color-purple: #6b21a8;
      --scalar-color-yellow: #806000;
    }
    .dark-mode { --scalar-color-3: #a3a3a3; }
  `,
})
