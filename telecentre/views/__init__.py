"""The telecentre dashboard: server-rendered pages that work without JavaScript, one
module per group of pages (``prices``, ``bulletins``, ``quotes``, ``sheets``,
``simulators``). Views read through selectors, write through services, and stay thin."""
