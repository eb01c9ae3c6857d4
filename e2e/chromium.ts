// How both Playwright configs (the e2e suite and the bench) start Debian's Chromium.
// Never `npx playwright install`: the browser is /usr/bin/chromium (apt package `chromium`).
// The networking flags stop Chromium calling out to a network this machine does not have.
export const chromiumLaunch = {
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
  ],
};
