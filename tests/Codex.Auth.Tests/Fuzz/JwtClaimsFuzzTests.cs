using Codex.Auth.ChatGpt;

namespace Codex.Auth.Tests.Fuzz;

/// <summary>JWT claims read from tokens the library did not mint. Property: any token → claims, or a <see cref="CodexAuthException"/>.</summary>
public sealed class JwtClaimsFuzzTests
{
    public static TheoryData<string> CorpusFiles => Fuzz.Corpus("jwt-payload");

    [Fact]
    public void Any_token_gives_claims_or_a_typed_error() =>
        Fuzz.Run(FuzzInputs.Token, Read, iterations: 5000);

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Every_corpus_payload_gives_claims_or_a_typed_error(string name) =>
        Read(FuzzInputs.Jwt(Fuzz.ReadCorpus("jwt-payload", name)));

    [Theory]
    [InlineData("duplicate-claims.bin")]
    [InlineData("duplicate-nested-claims.bin")]
    [InlineData("invalid-utf8-in-string.bin")]
    [InlineData("invalid-utf8-in-key.bin")]
    [InlineData("lone-surrogate-escape.bin")]
    [InlineData("lone-surrogate-escape-in-key.bin")]
    public void Duplicate_claims_and_undecodable_text_are_a_malformed_token(string name)
    {
        string token = FuzzInputs.Jwt(Fuzz.ReadCorpus("jwt-payload", name));

        var identity = Assert.Throws<CodexAuthException>(() => ChatGptTokenClaims.ReadIdentity(token));
        var expiry = Assert.Throws<CodexAuthException>(() => ChatGptTokenClaims.ReadExpiry(token));

        Assert.Equal(CodexAuthFailureReason.MalformedToken, identity.Reason);
        Assert.Equal(CodexAuthFailureReason.MalformedToken, expiry.Reason);
        Assert.DoesNotContain(token, identity.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_exp_past_the_end_of_time_is_clamped()
    {
        DateTimeOffset? exp = ChatGptTokenClaims.ReadExpiry(FuzzInputs.Jwt(Fuzz.ReadCorpus("jwt-payload", "exp-end-of-time.bin")));

        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(253402300799), exp);
    }

    private static void Read(string token)
    {
        Fuzz.ValueOrTypedError(() => ChatGptTokenClaims.ReadIdentity(token).ToString());
        Fuzz.ValueOrTypedError(() => ChatGptTokenClaims.ReadExpiry(token));
    }
}
