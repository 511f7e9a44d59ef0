// A CustomMessage trigger in JavaScript, run by AWS's runtime interface client (aws-lambda-ric).
// Brands the message from clientMetadata.brand and keeps the {####} code placeholder.

exports.handler = async (event, context) => {
  const brand = (event.request.clientMetadata || {}).brand || "Example";
  const code = event.request.codeParameter;
  console.log(`branding ${event.triggerSource} for ${brand} (${context.awsRequestId})`);
  event.response.emailSubject = `${brand}: confirm your new address`;
  event.response.emailMessage = `${brand} here: your code is ${code}.`;
  return event;
};

exports.fail = async () => {
  throw new Error("no brand for this pool");
};
