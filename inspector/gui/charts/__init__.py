"""pyqtgraph charts: response times, latency histogram, status codes and consumers over time."""

from inspector.gui.charts.endpoints import EndpointsView
from inspector.gui.charts.panel import ChartsPanel

__all__ = ["ChartsPanel", "EndpointsView"]
