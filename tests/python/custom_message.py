"""A CustomMessage trigger in Python, run by AWS's runtime interface client (awslambdaric).

Brands the sign-up message from clientMetadata["brand"] and keeps the {####} code placeholder.
"""


def handler(event, context):
    brand = (event["request"].get("clientMetadata") or {}).get("brand", "Example")
    code = event["request"]["codeParameter"]
    print(f"branding {event['triggerSource']} for {brand} ({context.aws_request_id})")
    event["response"]["emailSubject"] = f"{brand}: confirm your account"
    event["response"]["emailMessage"] = f"Welcome to {brand}! Your confirmation code is {code}."
    return event


def fail(event, context):
    raise ValueError("no brand for this pool")
