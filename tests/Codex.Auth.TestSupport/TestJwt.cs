using System.Text;
using System.Text.Json.Nodes;

namespace Codex.Auth.TestSupport;

/// <summary>Mints unsigned JWT-shaped strings for sign-in tests.</summary>
public static class TestJwt
{
    public static string Create(JsonObject payload) =>
        $"{B64("""{"alg":"none","typ":"JWT"}""")}.{B64(payload.ToJsonString())}.c2lnbmF0dXJl";

    public static string IdToken(string accountId, string email = "user@example.com", string plan = "plus", bool fedRamp = false) =>
        Create(new JsonObject
        {
            ["email"] = email,
            ["https://api.openai.com/auth"] = new JsonObject
            {
                ["chatgpt_account_id"] = accountId,
                ["chatgpt_plan_type"] = plan,
                ["chatgpt_user_id"] = "user-1",
                ["chatgpt_account_is_fedramp"] = fedRamp,
            },
        });

    public static string AccessToken(long exp) => Create(new JsonObject { ["exp"] = exp, ["scp"] = "openid" });

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
