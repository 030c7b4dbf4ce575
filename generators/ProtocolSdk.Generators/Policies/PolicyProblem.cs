using Microsoft.CodeAnalysis;

namespace ProtocolSdk.Roslyn.Policies;

/// <summary>
/// One thing wrong with a policy attribute or with the class carrying it, found by a policy spec or by
/// <see cref="ProtocolRules"/>. The analyzers report it (the rule <see cref="RuleId"/> owns it); the parser drops the
/// class when any problem is an error, so a rule and the generated code can never disagree.
/// </summary>
/// <param name="RuleId">The diagnostic that reports it, e.g. <c>PSDK003</c>.</param>
/// <param name="Severity">Errors make the generator skip the class.</param>
/// <param name="Attribute">The attribute it is about (its location is the fallback), or null for the class itself.</param>
/// <param name="Argument">The named argument or constructor parameter it is about, or null for the whole attribute.</param>
/// <param name="Position">The constructor argument position, or -1.</param>
/// <param name="Element">The array element index within <paramref name="Argument"/>, or -1.</param>
/// <param name="Subject">The rule's first message argument besides the class (an attribute name, a type, a CIDR entry).</param>
/// <param name="Message">What is wrong and what to do, in words.</param>
/// <param name="At">For problems about the class rather than an attribute argument: where to report it (a member, the class).</param>
internal sealed record PolicyProblem(
    string RuleId,
    DiagnosticSeverity Severity,
    AttributeData? Attribute,
    string? Argument,
    int Position,
    int Element,
    string Subject,
    string Message,
    Location? At = null)
{
    public bool IsError => Severity == DiagnosticSeverity.Error;
}
