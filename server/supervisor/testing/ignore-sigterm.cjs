// Preloaded into the fixture child to make it ignore SIGTERM (a hung broker).
const on = process.on.bind(process);
process.on = (event, listener) => (event === 'SIGTERM' ? on(event, () => {}) : on(event, listener));
