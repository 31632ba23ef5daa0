namespace Codex.Auth.SignIn;

/// <summary>What <c>/api/accounts/deviceauth/token</c> returns once the user approved the code. Holds secrets.</summary>
internal sealed record DeviceApproval(string AuthorizationCode, string CodeVerifier)
{
    public override string ToString() => "device approval";
}
