from audits import context


class AuditContextMiddleware:
    """Makes the request's user and a request id available to the audit log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = context.set_request(request)
        try:
            response = self.get_response(request)
        finally:
            context.clear()
        response["X-Request-ID"] = request.request_id
        return response
