using System.Text;
using CsCheck;

namespace Codex.Auth.Tests.Fuzz;

/// <summary>
/// Structure-aware generators: auth.json documents, JWTs and token-endpoint answers built from the fields the library reads,
/// with values drawn from the edges that have broken parsers (duplicate keys, lone surrogate escapes, invalid UTF-8, numbers
/// and dates at the ends of their ranges), then optionally damaged byte by byte. Raw JSON text is assembled by hand so that
/// inputs no serializer would write (duplicates, escapes of lone surrogates) can be produced.
/// </summary>
internal static class FuzzInputs
{
    public const string AuthClaim = "https://api.openai.com/auth";

    private static readonly string[] s_stringLiterals =
    [
        "\"\"", "\" \"", "\"\\ud800\"", "\"\\udfff\"", "\"\\ud800\\u0041\"", "\"\\u0000\"", "\"line\\nbreak\"", "\"tab\\there\"",
        "\"caf\\u00e9 \\u2028\"", "\"chatgpt\"", "\"apikey\"", "\"agentIdentity\"", "\"personalAccessToken\"", "\"chatgptAuthTokens\"",
        "\"headers\"", "\"bedrockApiKey\"", "\"at-abc123\"", "\"sk-test\"", "\"a.b.c\"", "\"..\"", "\"Bearer x\"", "\"acct_fuzz\"",
    ];

    private static readonly string[] s_timestamps =
    [
        "\"2026-11-24T12:00:00.000000Z\"", "\"9999-12-31T23:59:59.999999Z\"", "\"9999-12-31T23:59:59Z\"", "\"0001-01-01T00:00:00Z\"",
        "\"2026-02-30T00:00:00Z\"", "\"2026-11-24\"", "\"not a date\"", "\"2026-11-24T12:00:00+14:00\"", "\"1970-01-01T00:00:00Z\"",
    ];

    private static readonly string[] s_scalars =
    [
        "null", "true", "false", "0", "-1", "1e400", "-1e400", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
        "253402300799", "253402300800", "-62135596801", "1.5", "1893456000", "[]", "{}", "[[[[[]]]]]", "[1,\"x\",null]",
    ];

    private static readonly string[] s_topNames =
    [
        "auth_mode", "OPENAI_API_KEY", "last_refresh", "personal_access_token", "agent_identity", "bedrock_api_key", "tokens", "unknown_field", "",
    ];

    private static readonly string[] s_tokenNames = ["id_token", "access_token", "refresh_token", "account_id", "extra"];

    private static readonly string[] s_claimNames = ["exp", "iat", "email", "sub", AuthClaim, "https://api.openai.com/profile"];

    private static readonly string[] s_authClaimNames =
    [
        "chatgpt_account_id", "chatgpt_plan_type", "chatgpt_user_id", "user_id", "chatgpt_account_is_fedramp",
    ];

    /// <summary>Any text as a JSON string literal; lone surrogates become <c>\uD800</c>-style escapes.</summary>
    public static string Literal(string text)
    {
        var s = new StringBuilder("\"");
        foreach (char c in text)
        {
            if (c < 0x20 || c == '"' || c == '\\' || char.IsSurrogate(c))
            {
                s.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                s.Append(c);
            }
        }

        return s.Append('"').ToString();
    }

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Jwt(byte[] payload) => "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + Base64Url(payload) + ".c2ln";

    /// <summary>Short random text, any UTF-16 code unit included (lone surrogates too).</summary>
    public static readonly Gen<string> AnyText = Gen.Char.Array[0, 24].Select(chars => new string(chars));

    public static readonly Gen<string> StringLiteral = Gen.Frequency(
        (4, Gen.OneOf(s_stringLiterals)),
        (3, AnyText.Select(Literal)),
        (1, Gen.Int[1, 5000].Select(n => Literal(new string('x', n)))));

    public static readonly Gen<string> Scalar = Gen.Frequency(
        (3, Gen.OneOf(s_scalars)),
        (2, Gen.Long.Select(l => l.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (1, Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "0")));

    /// <summary>A JSON object as raw text from members (duplicates and all).</summary>
    public static Gen<string> Object(Gen<string> member, int maxMembers) =>
        member.Array[0, maxMembers].Select(members => "{" + string.Join(",", members) + "}");

    public static Gen<string> Member(Gen<string> name, Gen<string> value) =>
        Gen.Select(name, value, (n, v) => Literal(n) + ":" + v);

    /// <summary>JWT payload bytes: claims objects (with the claims the library reads), damaged UTF-8, or random bytes.</summary>
    public static readonly Gen<byte[]> JwtPayload = Gen.Frequency(
        (6, Object(
            Gen.Frequency(
                (5, Member(Gen.OneOf(s_claimNames), Gen.Frequency((3, Scalar), (2, StringLiteral)))),
                (3, Member(Gen.Const(AuthClaim), Object(Member(Gen.OneOf(s_authClaimNames), Gen.Frequency((2, StringLiteral), (1, Scalar))), 6)))),
            8).Select(text => Encoding.UTF8.GetBytes(text))),
        (2, Gen.Select<byte[], int, byte[]>(Gen.Byte.Array[1, 8], Gen.Int[0, 64], (junk, at) =>
        {
            byte[] valid = Encoding.UTF8.GetBytes("{\"email\":\"user@example.com\",\"exp\":1893456000,\"sub\":\"abc\"}");
            int i = Math.Min(at, valid.Length);
            return [.. valid[..i], .. junk, .. valid[i..]];
        })),
        (1, Gen.Byte.Array[0, 64]));

    /// <summary>JWT-shaped (and not quite JWT-shaped) token strings.</summary>
    public static readonly Gen<string> Token = Gen.Frequency(
        (8, JwtPayload.Select(Jwt)),
        (1, Gen.OneOf("a.b", "a..c", "...", ".b.c", "a.b.", "a.b.c.d", "e30.e30.", "e30.e+/=.c", "opaque-token", "e30.!!!!.c")),
        (1, AnyText));

    public static readonly Gen<string> TokenLiteral = Token.Select(Literal);

    public static readonly Gen<string> AnyValue = Gen.Frequency((4, StringLiteral), (3, Scalar), (3, TokenLiteral));

    /// <summary>The <c>tokens</c> object: mostly JWTs in the expected fields, sometimes anything, duplicates allowed.</summary>
    public static readonly Gen<string> TokensObject = Gen.Frequency(
        (6, Gen.Select(TokenLiteral, TokenLiteral, Gen.Frequency((3, StringLiteral), (1, Scalar)), Gen.Frequency((3, StringLiteral), (1, Scalar)), Member(Gen.OneOf(s_tokenNames), AnyValue).Array[0, 3],
            (id, access, refresh, account, extra) =>
                "{\"id_token\":" + id + ",\"access_token\":" + access + ",\"refresh_token\":" + refresh + ",\"account_id\":" + account
                + string.Concat(extra.Select(m => "," + m)) + "}")),
        (2, Object(Member(Gen.OneOf(s_tokenNames), AnyValue), 6)),
        (1, AnyValue));

    /// <summary>An auth.json document as text: the usual fields with edge values, extra and duplicate members.</summary>
    public static readonly Gen<string> AuthJsonText = Gen.Select(
        Gen.Frequency((4, StringLiteral), (1, Scalar)),
        TokensObject,
        Gen.Frequency((4, Gen.OneOf(s_timestamps)), (1, AnyValue)),
        Gen.Frequency((3, Gen.Const("null")), (1, AnyValue)),
        Member(Gen.OneOf(s_topNames), Gen.Frequency((3, AnyValue), (1, TokensObject))).Array[0, 3],
        Gen.Int[0, 15],
        (mode, tokens, lastRefresh, apiKey, extra, omit) =>
        {
            var members = new List<string>();
            if ((omit & 1) == 0)
            {
                members.Add("\"auth_mode\":" + mode);
            }

            if ((omit & 2) == 0)
            {
                members.Add("\"OPENAI_API_KEY\":" + apiKey);
            }

            if ((omit & 4) == 0)
            {
                members.Add("\"tokens\":" + tokens);
            }

            if ((omit & 8) == 0)
            {
                members.Add("\"last_refresh\":" + lastRefresh);
            }

            members.AddRange(extra);
            return "{\n  " + string.Join(",\n  ", members) + "\n}\n";
        });

    /// <summary>Damages UTF-8 text: keep, truncate, insert, overwrite or delete bytes, duplicate a slice, prepend a BOM.</summary>
    public static Gen<byte[]> Damaged(Gen<string> text) => Gen.Select<string, int, int, byte[], byte[]>(text, Gen.Int[0, 11], Gen.Int[0, int.MaxValue], Gen.Byte.Array[1, 4], (t, kind, at, bytes) =>
    {
        byte[] b = Encoding.UTF8.GetBytes(t);
        int i = b.Length == 0 ? 0 : at % b.Length;
        return kind switch
        {
            0 => b[..i],
            1 => [.. b[..i], .. bytes, .. b[i..]],
            2 => [.. b[..i], .. bytes, .. b[Math.Min(b.Length, i + bytes.Length)..]],
            3 => [.. b[..i], .. b[Math.Min(b.Length, i + 1 + (at % 7))..]],
            4 => [.. b[..i], .. b[i..Math.Min(b.Length, i + 40)], .. b[i..]],
            5 => [0xEF, 0xBB, 0xBF, .. b],
            _ => b,
        };
    });

    /// <summary>A refresh answer from the token endpoint: status and raw body bytes.</summary>
    public static readonly Gen<(int Status, byte[] Body)> TokenAnswer = Gen.Select(
        Gen.Frequency((6, Gen.Const(200)), (1, Gen.OneOf(400, 401, 403, 404, 429, 500, 502, 503, 201, 204, 302))),
        Damaged(Object(
            Gen.Frequency(
                (6, Member(Gen.OneOf("access_token", "id_token", "refresh_token"), Gen.Frequency((5, TokenLiteral), (1, AnyValue)))),
                (1, Member(Gen.OneOf("error", "code", "error_description", "expires_in", "token_type"), Gen.Frequency(
                    (2, AnyValue),
                    (1, Object(Member(Gen.OneOf("code", "message"), Gen.Frequency((2, Gen.OneOf("\"refresh_token_expired\"", "\"refresh_token_reused\"", "\"refresh_token_invalidated\"", "\"invalid_grant\"")), (1, AnyValue))), 3)))))),
            5)));
}
