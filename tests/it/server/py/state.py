"""Drives `serve --state` with boto3 before and after a restart (tests/it/server/state.rs).

Usage: state.py <before|after> <endpoint-url> <json-args>. Prints one JSON document.
"""
import base64
import json
import sys
import urllib.request

from flows import client, step


def claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def last_code(endpoint, pool, username):
    with urllib.request.urlopen(f"{endpoint}/_harness/pools/{pool}/messages") as r:
        messages = json.load(r)
    if isinstance(messages, dict):
        messages = messages.get("messages", messages.get("Messages", []))
    return [m for m in messages if m.get("username") == username][-1]["code"]


def before(idp, endpoint, a):
    pool, app = a["pool"], a["client"]
    out = {}
    out["sign_up"] = step(idp.sign_up, ClientId=app, Username="alice", Password="Passw0rd!",
                          UserAttributes=[{"Name": "email", "Value": "alice@example.com"}])
    out["confirm"] = step(idp.confirm_sign_up, ClientId=app, Username="alice",
                          ConfirmationCode=last_code(endpoint, pool, "alice"))
    out["create_group"] = step(idp.create_group, UserPoolId=pool, GroupName="admins", Precedence=1)
    out["add_to_group"] = step(idp.admin_add_user_to_group, UserPoolId=pool, Username="alice",
                               GroupName="admins")
    auth = idp.initiate_auth(ClientId=app, AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": "alice", "PASSWORD": "Passw0rd!"})
    result = auth["AuthenticationResult"]
    out["groups_in_token"] = claims(result["IdToken"]).get("cognito:groups")
    out["refresh_token"] = result["RefreshToken"]
    out["access_token"] = result["AccessToken"]
    # A sign-up whose confirmation code is still in flight when the process dies.
    out["sign_up_bob"] = step(idp.sign_up, ClientId=app, Username="bob", Password="Passw0rd!",
                              UserAttributes=[{"Name": "email", "Value": "bob@example.com"}])
    out["bob_code"] = last_code(endpoint, pool, "bob")
    # The last acknowledged change before the kill.
    out["update"] = step(idp.admin_update_user_attributes, UserPoolId=pool, Username="alice",
                         UserAttributes=[{"Name": "given_name", "Value": "Alice"}])
    return out


def after(idp, endpoint, a):
    pool, app = a["pool"], a["client"]
    out = {}
    auth = step(idp.initiate_auth, ClientId=app, AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": "alice", "PASSWORD": "Passw0rd!"})
    out["sign_in_groups"] = claims(auth["ok"]["AuthenticationResult"]["IdToken"]).get("cognito:groups")
    refreshed = step(idp.initiate_auth, ClientId=app, AuthFlow="REFRESH_TOKEN_AUTH",
                     AuthParameters={"REFRESH_TOKEN": a["refresh_token"]})
    result = refreshed["ok"]["AuthenticationResult"]
    out["refreshed"] = sorted(result.keys())
    out["refreshed_groups"] = claims(result["IdToken"]).get("cognito:groups")
    user = step(idp.get_user, AccessToken=a["access_token"])["ok"]
    out["old_access_token_user"] = {
        "Username": user["Username"],
        "given_name": [x["Value"] for x in user["UserAttributes"] if x["Name"] == "given_name"],
    }
    out["bob_code_after_restart"] = last_code(endpoint, pool, "bob")
    out["confirm_bob"] = step(idp.confirm_sign_up, ClientId=app, Username="bob",
                              ConfirmationCode=a["bob_code"])
    out["bob"] = step(idp.admin_get_user, UserPoolId=pool, Username="bob")["ok"]["UserStatus"]
    client_described = step(idp.describe_user_pool_client, UserPoolId=pool, ClientId=app)["ok"]
    out["client"] = {k: client_described["UserPoolClient"].get(k) for k in ["ClientId", "ClientName", "ClientSecret"]}
    out["groups"] = [g["GroupName"] for g in step(idp.list_groups, UserPoolId=pool)["ok"]["Groups"]]
    return out


def describe_client(idp, endpoint, a):
    return step(idp.describe_user_pool_client, UserPoolId=a["pool"], ClientId=a["client"])["ok"]


FLOWS = {"before": before, "after": after, "client": describe_client}

if __name__ == "__main__":
    flow, endpoint, args = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    print(json.dumps(FLOWS[flow](client(endpoint), endpoint, args), default=str))
