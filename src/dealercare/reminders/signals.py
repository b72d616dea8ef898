def forecasts_clear(sender, **kwargs):
    """A changed service interval changes every forecast: the next daily run recomputes all."""
    from .models import ServiceForecast

    ServiceForecast.objects.all().delete()
