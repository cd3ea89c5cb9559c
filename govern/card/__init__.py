"""Where the card is drawn: the evidence record built from the steps' results, the model card (Markdown, HTML, PDF) and its pictures."""
