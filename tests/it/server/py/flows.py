"""Drives the cognito-harness endpoint with boto3, as an app or its integration tests would.

Usage: flows.py <flow> <endpoint-url> <json-args>. Prints one JSON document: what each step
returned, or the botocore ClientError code and message it raised. The Rust test asserts on it.
"""
import json
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def client(endpoint):
    return boto3.client(
        "cognito-idp",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="any",
        aws_secret_access_key="any",
        config=Config(retries={"max_attempts": 1}),
    )


def step(fn, **kwargs):
    """The response (without ResponseMetadata), or the error as botocore reports it."""
    try:
        response = fn(**kwargs)
        response.pop("ResponseMetadata", None)
        return {"ok": response}
    except ClientError as e:
        return {
            "error": e.response["Error"]["Code"],
            "message": e.response["Error"]["Message"],
            "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
        }


def attribute_update(idp, a):
    pool, app, user = a["pool"], a["client"], a["user"]
    out = {}
    out["set_password"] = step(idp.admin_set_user_password, UserPoolId=pool, Username=user, Password="Passw0rd!", Permanent=True)
    out["weak_password"] = step(idp.admin_set_user_password, UserPoolId=pool, Username=user, Password="short", Permanent=True)
    out["wrong_password"] = step(idp.initiate_auth, ClientId=app, AuthFlow="USER_PASSWORD_AUTH",
                                 AuthParameters={"USERNAME": user, "PASSWORD": "nope"})
    auth = step(idp.initiate_auth, ClientId=app, AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": user, "PASSWORD": "Passw0rd!"})
    result = auth["ok"]["AuthenticationResult"]
    out["auth"] = {"TokenType": result["TokenType"], "ExpiresIn": result["ExpiresIn"],
                   "has": sorted(result.keys())}
    token = result["AccessToken"]
    out["self_update"] = step(idp.update_user_attributes, AccessToken=token,
                              UserAttributes=[{"Name": "email", "Value": "self@example.com"}])
    out["admin_update"] = step(idp.admin_update_user_attributes, UserPoolId=pool, Username=user,
                               UserAttributes=[{"Name": "email", "Value": "admin@example.com"}],
                               ClientMetadata={"brand": "acme"})
    for mode in ["throw", "null", "no-code"]:
        out[mode] = step(idp.admin_update_user_attributes, UserPoolId=pool, Username=user,
                         UserAttributes=[{"Name": "email", "Value": mode + "@example.com"}],
                         ClientMetadata={"mode": mode})
    out["self_throw"] = step(idp.update_user_attributes, AccessToken=token,
                             UserAttributes=[{"Name": "email", "Value": "t@example.com"}],
                             ClientMetadata={"mode": "throw"})
    users = step(idp.list_users, UserPoolId=pool, Filter='username = "%s"' % user)["ok"]["Users"]
    out["listed"] = [{a["Name"]: a["Value"] for a in u["Attributes"] if a["Name"] != "sub"} for u in users]
    out["listed_types"] = [
        {"created_is_datetime": hasattr(u["UserCreateDate"], "year"), "Enabled": u["Enabled"], "UserStatus": u["UserStatus"]}
        for u in users
    ]
    return out


def pool_update(idp, a):
    pool, user = a["pool"], a["user"]
    out = {}
    # Point CustomMessage at a function nothing is bound to: Lambda's AccessDenied.
    out["update_unbound"] = step(idp.update_user_pool, UserPoolId=pool, AutoVerifiedAttributes=["email"],
                                 LambdaConfig={"CustomMessage": "arn:aws:lambda:us-east-1:123456789012:function:unbound"})
    out["unexpected"] = step(idp.admin_update_user_attributes, UserPoolId=pool, Username=user,
                             UserAttributes=[{"Name": "email", "Value": "u1@example.com"}])
    # An update that omits LambdaConfig removes the trigger: Cognito's own template is sent.
    out["update_reset"] = step(idp.update_user_pool, UserPoolId=pool, AutoVerifiedAttributes=["email"])
    described = step(idp.describe_user_pool, UserPoolId=pool)["ok"]["UserPool"]
    out["described_custom_message"] = (described.get("LambdaConfig") or {}).get("CustomMessage")
    out["template"] = step(idp.admin_update_user_attributes, UserPoolId=pool, Username=user,
                           UserAttributes=[{"Name": "email", "Value": "u2@example.com"}],
                           ClientMetadata={"mode": "throw"})
    # And back: the trigger fires again.
    out["update_restore"] = step(idp.update_user_pool, UserPoolId=pool, AutoVerifiedAttributes=["email"],
                                 LambdaConfig={"CustomMessage": a["arn"]})
    out["restored"] = step(idp.admin_update_user_attributes, UserPoolId=pool, Username=user,
                           UserAttributes=[{"Name": "email", "Value": "u3@example.com"}],
                           ClientMetadata={"mode": "throw"})
    return out


def sign_in(idp, a):
    pool, app = a["pool"], a["client"]
    out = {}
    out["temporary"] = step(idp.admin_set_user_password, UserPoolId=pool, Username="temp", Password="Temp0rary!", Permanent=False)
    challenge = step(idp.admin_initiate_auth, UserPoolId=pool, ClientId=app, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                     AuthParameters={"USERNAME": "temp", "PASSWORD": "Temp0rary!"})["ok"]
    out["challenge"] = {"ChallengeName": challenge["ChallengeName"], "ChallengeParameters": challenge["ChallengeParameters"],
                        "has_session": bool(challenge.get("Session"))}
    out["unknown_user"] = step(idp.initiate_auth, ClientId=app, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": "ghost", "PASSWORD": "Passw0rd!"})
    out["unknown_client"] = step(idp.initiate_auth, ClientId="nosuchclient", AuthFlow="USER_PASSWORD_AUTH",
                                 AuthParameters={"USERNAME": "temp", "PASSWORD": "Temp0rary!"})
    out["missing_password"] = step(idp.initiate_auth, ClientId=app, AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": "temp"})
    idp.admin_set_user_password(UserPoolId=pool, Username="temp", Password="Passw0rd!", Permanent=True)
    idp.admin_reset_user_password(UserPoolId=pool, Username="temp")
    out["reset_required"] = step(idp.initiate_auth, ClientId=app, AuthFlow="USER_PASSWORD_AUTH",
                                 AuthParameters={"USERNAME": "temp", "PASSWORD": "Passw0rd!"})
    out["delete"] = step(idp.admin_delete_user, UserPoolId=pool, Username="temp")
    out["delete_again"] = step(idp.admin_delete_user, UserPoolId=pool, Username="temp")
    out["unknown_operation"] = step(idp.describe_risk_configuration, UserPoolId=pool)
    return out


def sign_up(idp, a):
    app = a["client"]
    out = {}
    signed = step(idp.sign_up, ClientId=app, Username="dave", Password="Passw0rd!",
                  UserAttributes=[{"Name": "email", "Value": "dave@example.com"}])
    signed["ok"]["UserSub"] = bool(signed["ok"].get("UserSub"))
    out["plain"] = signed
    out["unconfirmed_sign_in"] = step(idp.initiate_auth, ClientId=app, AuthFlow="USER_PASSWORD_AUTH",
                                      AuthParameters={"USERNAME": "dave", "PASSWORD": "Passw0rd!"})
    for mode in ["throw", "null", "verify-phone"]:
        out[mode] = step(idp.sign_up, ClientId=app, Username="erin-" + mode, Password="Passw0rd!",
                         UserAttributes=[{"Name": "email", "Value": "erin@example.com"}], ClientMetadata={"mode": mode})
    confirmed = step(idp.sign_up, ClientId=app, Username="frank", Password="Passw0rd!",
                     UserAttributes=[{"Name": "email", "Value": "frank@example.com"}], ClientMetadata={"mode": "confirm"})
    confirmed["ok"].pop("UserSub", None)
    out["auto_confirmed"] = confirmed
    auth = step(idp.initiate_auth, ClientId=app, AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": "frank", "PASSWORD": "Passw0rd!"})
    out["auto_confirmed_sign_in"] = sorted(auth["ok"]["AuthenticationResult"].keys())
    out["again"] = step(idp.sign_up, ClientId=app, Username="dave", Password="Passw0rd!",
                        UserAttributes=[{"Name": "email", "Value": "dave@example.com"}])
    users = step(idp.list_users, UserPoolId=a["pool"])["ok"]["Users"]
    out["users"] = sorted((u["Username"], u["UserStatus"]) for u in users)
    return out


def confirm(idp, a):
    app = a["client"]
    out = {}
    out["wrong_code"] = step(idp.confirm_sign_up, ClientId=app, Username="dave", ConfirmationCode="000000" if a["code"] != "000000" else "111111")
    out["confirm"] = step(idp.confirm_sign_up, ClientId=app, Username="dave", ConfirmationCode=a["code"])
    auth = step(idp.initiate_auth, ClientId=app, AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": "dave", "PASSWORD": "Passw0rd!"})
    out["sign_in"] = auth["ok"]["AuthenticationResult"]["TokenType"]
    return out


def pool_admin(idp, a):
    """A pool and app client made through the API, as an app's test set-up would."""
    out = {}
    pool = idp.create_user_pool(PoolName="made-by-boto3", AutoVerifiedAttributes=["email"],
                                LambdaConfig={"CustomMessage": a["arn"]})["UserPool"]
    pool_id = pool["Id"]
    out["pool_id_shape"] = pool_id.startswith("us-east-1_")
    app = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app",
                                      ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    app_id = app["UserPoolClient"]["ClientId"]
    srp_only = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="srp-only")["UserPoolClient"]["ClientId"]
    out["create_user"] = step(idp.admin_create_user, UserPoolId=pool_id, Username="gina", MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email", "Value": "gina@example.com"},
                                              {"Name": "email_verified", "Value": "true"}])["ok"]["User"]["UserStatus"]
    out["set_password"] = step(idp.admin_set_user_password, UserPoolId=pool_id, Username="gina", Password="Passw0rd!", Permanent=True)
    out["srp_only_client"] = step(idp.initiate_auth, ClientId=srp_only, AuthFlow="USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": "gina", "PASSWORD": "Passw0rd!"})
    out["admin_flow_on_user_client"] = step(idp.admin_initiate_auth, UserPoolId=pool_id, ClientId=app_id,
                                            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                            AuthParameters={"USERNAME": "gina", "PASSWORD": "Passw0rd!"})
    token = idp.initiate_auth(ClientId=app_id, AuthFlow="USER_PASSWORD_AUTH",
                              AuthParameters={"USERNAME": "gina", "PASSWORD": "Passw0rd!"})["AuthenticationResult"]["AccessToken"]
    out["self_update"] = step(idp.update_user_attributes, AccessToken=token,
                              UserAttributes=[{"Name": "email", "Value": "gina2@example.com"}], ClientMetadata={"mode": "throw"})
    out["delete_pool"] = step(idp.delete_user_pool, UserPoolId=pool_id)
    out["gone"] = step(idp.list_users, UserPoolId=pool_id)
    out["pool_id"] = pool_id
    return out


def latency(idp, a):
    """Median and p99 of AdminUpdateUserAttributes firing the warm trigger, one client in a loop."""
    n = int(a.get("n", 200))
    samples = []
    for i in range(n):
        started = time.perf_counter()
        idp.admin_update_user_attributes(UserPoolId=a["pool"], Username=a["user"],
                                          UserAttributes=[{"Name": "email", "Value": "l%d@example.com" % i}])
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {"n": n, "median_ms": samples[n // 2], "p99_ms": samples[int(n * 0.99) - 1]}


def sessions(idp, a):
    """Sign-in, ChangePassword, GlobalSignOut (the old tokens refused), a disabled user."""
    pool, app, user = a["pool"], a["client"], a["user"]
    out = {}
    idp.admin_set_user_password(UserPoolId=pool, Username=user, Password="Passw0rd!", Permanent=True)

    def sign_in(password):
        return step(idp.initiate_auth, ClientId=app, AuthFlow="USER_PASSWORD_AUTH",
                    AuthParameters={"USERNAME": user, "PASSWORD": password})

    tokens = sign_in("Passw0rd!")["ok"]["AuthenticationResult"]
    access, refresh = tokens["AccessToken"], tokens["RefreshToken"]
    out["wrong_previous"] = step(idp.change_password, AccessToken=access,
                                 PreviousPassword="nope", ProposedPassword="N3wPassw0rd!")
    out["change"] = step(idp.change_password, AccessToken=access,
                         PreviousPassword="Passw0rd!", ProposedPassword="N3wPassw0rd!")
    out["old_password"] = sign_in("Passw0rd!")
    out["sign_out"] = step(idp.global_sign_out, AccessToken=access)
    out["get_user_after"] = step(idp.get_user, AccessToken=access)
    out["sign_out_again"] = step(idp.global_sign_out, AccessToken=access)
    out["refresh_after"] = step(idp.initiate_auth, ClientId=app, AuthFlow="REFRESH_TOKEN_AUTH",
                                AuthParameters={"REFRESH_TOKEN": refresh})
    fresh = sign_in("N3wPassw0rd!")["ok"]["AuthenticationResult"]
    out["disable"] = step(idp.admin_disable_user, UserPoolId=pool, Username=user)
    out["disabled_sign_in"] = sign_in("N3wPassw0rd!")
    out["disabled_token"] = step(idp.get_user, AccessToken=fresh["AccessToken"])
    out["disabled_refresh"] = step(idp.initiate_auth, ClientId=app, AuthFlow="REFRESH_TOKEN_AUTH",
                                   AuthParameters={"REFRESH_TOKEN": fresh["RefreshToken"]})
    listed = idp.admin_get_user(UserPoolId=pool, Username=user)
    out["enabled_flag"] = listed["Enabled"]
    out["enable"] = step(idp.admin_enable_user, UserPoolId=pool, Username=user)
    again = sign_in("N3wPassw0rd!")
    out["enabled_sign_in"] = sorted(again["ok"]["AuthenticationResult"].keys())
    out["revoke"] = step(idp.revoke_token, Token=again["ok"]["AuthenticationResult"]["RefreshToken"],
                         ClientId=app)
    out["revoked_access"] = step(idp.get_user, AccessToken=again["ok"]["AuthenticationResult"]["AccessToken"])
    out["pools"] = [p["Id"] for p in idp.list_user_pools(MaxResults=10)["UserPools"]]
    out["clients"] = idp.list_user_pool_clients(UserPoolId=pool)["UserPoolClients"]
    return out


def mfa_associate(idp, a):
    """Turns on software tokens for the pool, signs in and asks for a secret."""
    pool, app, user = a["pool"], a["client"], a["user"]
    out = {}
    out["pool_config"] = step(idp.set_user_pool_mfa_config, UserPoolId=pool, MfaConfiguration="OPTIONAL",
                              SoftwareTokenMfaConfiguration={"Enabled": True})
    auth = idp.initiate_auth(ClientId=app, AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": user, "PASSWORD": "Passw0rd!"})
    out["access"] = auth["AuthenticationResult"]["AccessToken"]
    out["associate"] = step(idp.associate_software_token, AccessToken=out["access"])
    return out


def mfa_enable(idp, a):
    """Verifies the token with the code the test computed, prefers it, and signs in again."""
    app, user, access = a["client"], a["user"], a["access"]
    out = {}
    out["wrong"] = step(idp.verify_software_token, AccessToken=access, UserCode=a["wrong"])
    out["verify"] = step(idp.verify_software_token, AccessToken=access, UserCode=a["code"],
                         FriendlyDeviceName="phone")
    out["prefer"] = step(idp.set_user_mfa_preference, AccessToken=access,
                         SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    user_out = step(idp.get_user, AccessToken=access)["ok"]
    out["get_user"] = {k: user_out.get(k) for k in ["UserMFASettingList", "PreferredMfaSetting"]}
    out["challenge"] = step(idp.initiate_auth, ClientId=app, AuthFlow="USER_PASSWORD_AUTH",
                            AuthParameters={"USERNAME": user, "PASSWORD": "Passw0rd!"})
    return out


def mfa_answer(idp, a):
    """Answers the SOFTWARE_TOKEN_MFA challenge wrong, right, then again."""
    app, user, session = a["client"], a["user"], a["session"]
    out = {}

    def answer(code):
        return step(idp.respond_to_auth_challenge, ClientId=app, ChallengeName="SOFTWARE_TOKEN_MFA",
                    Session=session, ChallengeResponses={"USERNAME": user, "SOFTWARE_TOKEN_MFA_CODE": code})

    out["wrong"] = answer(a["wrong"])
    right = answer(a["code"])
    out["right"] = sorted(right["ok"]["AuthenticationResult"].keys()) if "ok" in right else right
    out["again"] = answer(a["code"])
    return out


FLOWS = {
    "mfa-associate": mfa_associate,
    "mfa-enable": mfa_enable,
    "mfa-answer": mfa_answer,
    "sessions": sessions,
    "attribute-update": attribute_update,
    "pool-update": pool_update,
    "sign-in": sign_in,
    "sign-up": sign_up,
    "confirm": confirm,
    "pool-admin": pool_admin,
    "latency": latency,
}

if __name__ == "__main__":
    flow, endpoint, args = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    print(json.dumps(FLOWS[flow](client(endpoint), args), default=str))
