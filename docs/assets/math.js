// Render the arithmatex spans and blocks (\( \) and \[ \]) with the bundled KaTeX, on every page
// load and every instant navigation; a formula KaTeX cannot parse is logged as a console error.
document$.subscribe(({ body }) => {
  renderMathInElement(body, {
    delimiters: [
      { left: "\\(", right: "\\)", display: false },
      { left: "\\[", right: "\\]", display: true },
    ],
    throwOnError: false,
    errorCallback: (message, error) => console.error("KaTeX: " + message, error),
  });
});
