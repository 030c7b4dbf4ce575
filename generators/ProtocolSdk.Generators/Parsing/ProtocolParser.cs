using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ProtocolSdk.Generators.Model;
using ProtocolSdk.Roslyn.Policies;

namespace ProtocolSdk.Generators.Parsing;

/// <summary>
/// Reads a protocol class's policy attributes into a <see cref="ProtocolModel"/> through the same policy specs and
/// class rules the analyzers report from: a class is skipped (no model) exactly when one of them finds an error, which
/// the analyzers then report naming the class. The generator never reports diagnostics itself.
/// </summary>
internal static class ProtocolParser
{
    private const string ProtocolType = "ProtocolSdk.Protocol";

    /// <summary>Syntax filter for ForAttributeWithMetadataName: class declarations only (not records or structs).</summary>
    public static bool IsCandidate(SyntaxNode node, CancellationToken _) => node is ClassDeclarationSyntax;

    /// <summary>Transform for ForAttributeWithMetadataName: never throws.</summary>
    public static ProtocolModel? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        try
        {
            if (context.TargetSymbol is not INamedTypeSymbol type) return null;
            return Parse(type, context.SemanticModel.Compilation, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
#pragma warning disable CA1031 // a generator must never crash the compiler on broken code: give up on this class
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    public static ProtocolModel? Parse(INamedTypeSymbol type, Compilation compilation, CancellationToken cancellationToken)
    {
        var protocol = compilation.GetTypeByMetadataName(ProtocolType);
        if (protocol is null || !IsSupportedShape(type, protocol, cancellationToken)) return null;

        var context = new PolicyContext(compilation, type, protocol);
        var problems = new List<PolicyProblem>();
        var policies = new List<PolicyModel>();
        var seen = new HashSet<PolicySpec>();
        foreach (var (spec, attribute) in ProtocolRules.PolicyAttributes(type))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!spec.AllowMultiple && !seen.Add(spec)) return null; // repeated: CS0579
            var model = spec.Read(attribute, context, problems);
            if (model is null) return null;
            policies.Add(model);
        }
        if (policies.Count == 0) return null;
        ProtocolRules.Check(type, protocol, problems, cancellationToken);
        if (problems.Any(p => p.IsError)) return null;

        var containing = new List<ContainingTypeModel>();
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            var keyword = TypeKeyword(outer);
            if (keyword is null) return null;
            containing.Insert(0, new ContainingTypeModel(keyword, Escape(outer.Name)));
        }

        string? ns = type.ContainingNamespace is { IsGlobalNamespace: false } n
            ? string.Join(".", n.ToDisplayString().Split('.').Select(Escape))
            : null;
        string category = Category(type);

        return new ProtocolModel(
            HintName: category + ".Policies.g.cs",
            Namespace: ns,
            ContainingTypes: new EquatableArray<ContainingTypeModel>(containing.ToArray()),
            TypeName: Escape(type.Name),
            Category: category,
            ChainsToBase: !SymbolEqualityComparer.Default.Equals(type.BaseType, protocol),
            Policies: new EquatableArray<PolicyModel>(policies.ToArray()));
    }

    private static string Category(INamedTypeSymbol type)
    {
        // Metadata names (no '@' escapes), dotted: App.Outer.Inner.
        var parts = new List<string>();
        for (ISymbol? s = type; s is not null and not INamespaceSymbol { IsGlobalNamespace: true }; s = s.ContainingSymbol) parts.Insert(0, s.Name);
        return string.Join(".", parts);
    }

    /// <summary>A non-generic, non-static, non-abstract, non-record class deriving from Protocol, partial everywhere (itself and its containers).</summary>
    private static bool IsSupportedShape(INamedTypeSymbol type, INamedTypeSymbol protocol, CancellationToken cancellationToken)
    {
        if (type.TypeKind != TypeKind.Class || type.IsRecord || type.IsStatic || type.IsAbstract || type.IsGenericType) return false;
        if (SymbolEqualityComparer.Default.Equals(type, protocol)) return false;
        if (!DerivesFrom(type, protocol)) return false;
        if (!IsPartialEverywhere(type, cancellationToken)) return false;
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (outer.IsGenericType || !IsPartialEverywhere(outer, cancellationToken)) return false;
        }
        return true;
    }

    private static bool DerivesFrom(INamedTypeSymbol type, INamedTypeSymbol baseType)
    {
        for (var t = type.BaseType; t is not null; t = t.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(t, baseType)) return true;
        }
        return false;
    }

    private static bool IsPartialEverywhere(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        if (type.DeclaringSyntaxReferences.IsEmpty) return false;
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is not TypeDeclarationSyntax declaration) return false;
            if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword)) return false;
        }
        return true;
    }

    private static string? TypeKeyword(INamedTypeSymbol type) => type.TypeKind switch
    {
        TypeKind.Class => type.IsRecord ? "record" : "class",
        TypeKind.Struct => type.IsRecord ? "record struct" : "struct",
        TypeKind.Interface => "interface",
        _ => null,
    };

    private static string Escape(string identifier) =>
        SyntaxFacts.GetKeywordKind(identifier) != SyntaxKind.None ? "@" + identifier
            : identifier;
}
