using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ProtocolSdk.Roslyn.Policies;

/// <summary>
/// The rules about a whole protocol class rather than one attribute's values, shared by the parser and the analyzers
/// like the specs: one framing per class (PSDK014) and per inheritance chain (PSDK017), MessageReceived or SendMessage
/// for a framing (PSDK013), no own DataReceived (PSDK015) or SendMessage (PSDK018) next to a framing, and no attribute
/// repeated on a base class where the two cannot compose (PSDK017).
/// </summary>
internal static class ProtocolRules
{
    public const string MissingMessageReceived = "PSDK013";
    public const string TwoFramings = "PSDK014";
    public const string DataReceivedWithFraming = "PSDK015";
    public const string InheritanceConflict = "PSDK017";
    public const string SendMessageWithFraming = "PSDK018";

    /// <summary>The policy attributes applied to <paramref name="type"/> itself, with their specs, in source order.</summary>
    public static List<(PolicySpec Spec, AttributeData Attribute)> PolicyAttributes(INamedTypeSymbol type)
    {
        var result = new List<(PolicySpec, AttributeData)>();
        foreach (var attribute in type.GetAttributes())
        {
            if (attribute.AttributeClass is { } cls && PolicyCatalog.Find(cls) is { } spec) result.Add((spec, attribute));
        }
        return result;
    }

    /// <summary>Adds every class-level problem of <paramref name="type"/> (a class deriving from Protocol) to <paramref name="problems"/>.</summary>
    public static void Check(INamedTypeSymbol type, INamedTypeSymbol protocol, List<PolicyProblem> problems, CancellationToken cancellationToken)
    {
        var own = PolicyAttributes(type);
        if (own.Count == 0) return;
        var framings = own.Where(a => a.Spec.IsFraming).ToList();
        if (framings.Count > 0) CheckFraming(type, protocol, framings, problems, cancellationToken);
        CheckInheritance(type, protocol, own, problems);
    }

    private static void CheckFraming(INamedTypeSymbol type, INamedTypeSymbol protocol, List<(PolicySpec Spec, AttributeData Attribute)> framings, List<PolicyProblem> problems, CancellationToken cancellationToken)
    {
        var first = framings[0];
        // AllowMultiple = false: two entries can only be one of each (a repeated one is already CS0579).
        if (framings.Count > 1 && framings[0].Spec != framings[1].Spec)
        {
            problems.Add(new PolicyProblem(TwoFramings, DiagnosticSeverity.Error, framings[1].Attribute, null, -1, -1, framings[1].Spec.Name,
                "a byte stream can be split only one way, keep one"));
        }
        if (!OverridesMessageReceived(type, protocol) && !CallsSendMessage(type, cancellationToken))
        {
            problems.Add(new PolicyProblem(MissingMessageReceived, DiagnosticSeverity.Error, first.Attribute, null, -1, -1, first.Spec.Name,
                "it neither overrides MessageReceived nor calls SendMessage"));
        }
        foreach (var method in type.GetMembers("DataReceived").OfType<IMethodSymbol>())
        {
            if (method.IsStatic || method.IsImplicitlyDeclared || !TakesByteSpan(method) || IsGenerated(method)) continue;
            problems.Add(new PolicyProblem(DataReceivedWithFraming, DiagnosticSeverity.Error, first.Attribute, null, -1, -1, first.Spec.Name,
                "the framing generates DataReceived", method.Locations.FirstOrDefault()));
        }
        foreach (var member in type.GetMembers("SendMessage"))
        {
            if (member.IsImplicitlyDeclared || IsGenerated(member)) continue;
            problems.Add(new PolicyProblem(SendMessageWithFraming, DiagnosticSeverity.Error, first.Attribute, null, -1, -1, first.Spec.Name,
                "the framing generates SendMessage", member.Locations.FirstOrDefault()));
        }
    }

    /// <summary>
    /// Policies compose down the chain (the generated hooks call the base class's), except where two cannot: two framings
    /// (one stream, one DataReceived), or the same single-use attribute on a class and its base (two timeouts, two
    /// throttles or two limits of one kind would contradict each other rather than add up).
    /// </summary>
    private static void CheckInheritance(INamedTypeSymbol type, INamedTypeSymbol protocol, List<(PolicySpec Spec, AttributeData Attribute)> own, List<PolicyProblem> problems)
    {
        for (var baseType = type.BaseType; baseType is not null && !SymbolEqualityComparer.Default.Equals(baseType, protocol) && baseType.SpecialType != SpecialType.System_Object; baseType = baseType.BaseType)
        {
            var inherited = PolicyAttributes(baseType.OriginalDefinition);
            if (inherited.Count == 0) continue;
            string baseName = baseType.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
            foreach (var (spec, attribute) in own)
            {
                foreach (var (baseSpec, _) in inherited)
                {
                    string? why =
                        spec.IsFraming && baseSpec.IsFraming ? "its base class '" + baseName + "' has [" + baseSpec.Name + "]; a byte stream can be split only one way, so keep one framing in the chain"
                        : spec == baseSpec && !spec.AllowMultiple ? "its base class '" + baseName + "' has [" + baseSpec.Name + "] too; the two cannot both apply, so keep the one you mean (on either class)"
                        : null;
                    if (why is null) continue;
                    problems.Add(new PolicyProblem(InheritanceConflict, DiagnosticSeverity.Error, attribute, null, -1, -1, spec.Name, why));
                    break;
                }
            }
        }
    }

    /// <summary>The class or a base class between it and Protocol overrides <c>Protocol.MessageReceived</c>.</summary>
    public static bool OverridesMessageReceived(INamedTypeSymbol type, INamedTypeSymbol protocol)
    {
        for (var t = type; t is not null && !SymbolEqualityComparer.Default.Equals(t, protocol); t = t.BaseType)
        {
            foreach (var method in t.GetMembers("MessageReceived").OfType<IMethodSymbol>())
            {
                for (var overridden = method.OverriddenMethod; overridden is not null; overridden = overridden.OverriddenMethod)
                {
                    if (SymbolEqualityComparer.Default.Equals(overridden.ContainingType, protocol)) return true;
                }
            }
        }
        return false;
    }

    /// <summary>Some declaration of the class calls <c>SendMessage(...)</c>: a send-only framed protocol needs no MessageReceived.</summary>
    public static bool CallsSendMessage(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            foreach (var invocation in reference.GetSyntax(cancellationToken).DescendantNodes().OfType<InvocationExpressionSyntax>())
            {
                string? name = invocation.Expression switch
                {
                    IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
                    MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax } access => access.Name.Identifier.ValueText,
                    _ => null,
                };
                if (name == "SendMessage") return true;
            }
        }
        return false;
    }

    public static bool TakesByteSpan(IMethodSymbol method) =>
        method.Parameters.Length == 1 &&
        method.Parameters[0].Type is INamedTypeSymbol { Name: "ReadOnlySpan", TypeArguments.Length: 1 } span &&
        span.ContainingNamespace.ToDisplayString() == "System" &&
        span.TypeArguments[0].SpecialType == SpecialType.System_Byte;

    /// <summary>Written by this generator (<c>[GeneratedCode("ProtocolSdk.Generators", ...)]</c>), not by the user.</summary>
    public static bool IsGenerated(ISymbol symbol) =>
        symbol.GetAttributes().Any(a =>
            a.AttributeClass is { Name: "GeneratedCodeAttribute" } &&
            a.ConstructorArguments.Length > 0 &&
            a.ConstructorArguments[0].Value is "ProtocolSdk.Generators");
}
