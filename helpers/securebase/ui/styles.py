"""Layout shared by the form widgets: labels above their inputs, inputs as wide as the page allows."""

STACKED = dict(display="flex", flex_flow="column", align_items="stretch", width="100%", max_width="46rem")
LABEL_STYLE = {"description_width": "initial"}
