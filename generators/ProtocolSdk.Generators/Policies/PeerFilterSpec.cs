using Microsoft.CodeAnalysis;
using ProtocolSdk.Generators.Model;

namespace ProtocolSdk.Roslyn.Policies;

/// <summary><c>[PeerFilter]</c> (PSDK012): every Allow and Deny entry is CIDR text <c>PeerFilterPolicy</c> accepts (see <see cref="CidrText"/>).</summary>
internal sealed class PeerFilterSpec : PolicySpec
{
    public PeerFilterSpec() : base("PeerFilter", "PSDK012") { }

    protected override PolicyModel? Check(AttributeData attribute, PolicyContext context, Problems problems)
    {
        var allow = Entries(attribute, "Allow", problems);
        var deny = Entries(attribute, "Deny", problems);
        return allow is null || deny is null ? null : new PeerFilterModel(allow.Value, deny.Value);
    }

    /// <summary>The entries of a <c>string[]</c> argument (unset or null = empty); null after reporting a bad entry.</summary>
    private static EquatableArray<string>? Entries(AttributeData attribute, string list, Problems problems)
    {
        if (!TryGetNamed(attribute, list, out var constant) || constant.IsNull) return EquatableArray<string>.Empty;
        if (constant.Kind != TypedConstantKind.Array) return null;
        var entries = new string[constant.Values.Length];
        bool ok = true;
        for (int i = 0; i < entries.Length; i++)
        {
            string? text = constant.Values[i].Value as string;
            if (!CidrText.IsValid(text, out string problem))
            {
                problems.ErrorFor("PSDK012", list, text ?? "null", text is null ? "the entry is null" : problem, element: i);
                ok = false;
                continue;
            }
            entries[i] = text!;
        }
        return ok ? new EquatableArray<string>(entries) : null;
    }
}
