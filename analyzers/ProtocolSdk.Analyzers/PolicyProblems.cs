using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using ProtocolSdk.Generators.Model;
using ProtocolSdk.Roslyn.Policies;

namespace ProtocolSdk.Analyzers;

/// <summary>
/// Runs the shared policy specs and class rules (the code the generator's parser runs) over one class and reports
/// the problems a rule owns, so every class the generator skips gets an error that names it.
/// </summary>
internal static class PolicyProblems
{
    /// <summary>The problems of every policy attribute's values on <paramref name="type"/>.</summary>
    public static List<PolicyProblem> OfAttributes(INamedTypeSymbol type, ProtocolSdkSymbols symbols)
    {
        var problems = new List<PolicyProblem>();
        var context = new PolicyContext(symbols.Compilation, type, symbols.Protocol);
        foreach (var (spec, attribute) in ProtocolRules.PolicyAttributes(type)) spec.Read(attribute, context, problems);
        return problems;
    }

    /// <summary>The checked model of <paramref name="type"/>'s <typeparamref name="TModel"/> policy (the spec's reading), or null when absent or invalid.</summary>
    public static TModel? Model<TModel>(INamedTypeSymbol type, ProtocolSdkSymbols symbols, out AttributeData? attribute) where TModel : PolicyModel
    {
        var context = new PolicyContext(symbols.Compilation, type, symbols.Protocol);
        foreach (var (spec, candidate) in ProtocolRules.PolicyAttributes(type))
        {
            if (spec.Read(candidate, context, new List<PolicyProblem>()) is TModel model)
            {
                attribute = candidate;
                return model;
            }
        }
        attribute = null;
        return null;
    }

    /// <summary>The class-level problems of <paramref name="type"/> (framing, inheritance); none for a class that is not a Protocol.</summary>
    public static List<PolicyProblem> OfClass(INamedTypeSymbol type, ProtocolSdkSymbols symbols, CancellationToken cancellationToken)
    {
        var problems = new List<PolicyProblem>();
        if (!symbols.DerivesFromProtocol(type)) return problems; // PSDK002 says it all
        ProtocolRules.Check(type, symbols.Protocol, problems, cancellationToken);
        return problems;
    }

    /// <summary>Reports each problem of <paramref name="problems"/> that <paramref name="descriptor"/> owns.</summary>
    public static void Report(SymbolAnalysisContext context, INamedTypeSymbol type, List<PolicyProblem> problems, DiagnosticDescriptor descriptor)
    {
        string typeName = type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
        foreach (var problem in problems)
        {
            if (problem.RuleId != descriptor.Id) continue;
            object[] arguments = problem.RuleId switch
            {
                "PSDK012" => [typeName, problem.Subject, problem.Argument ?? "", problem.Message],
                "PSDK013" or "PSDK015" or "PSDK018" => [typeName, problem.Subject],
                "PSDK014" => [typeName],
                "PSDK017" => [typeName, problem.Subject, problem.Message],
                _ => [problem.Subject, typeName, problem.Message], // PSDK003, PSDK004, PSDK011, PSDK016
            };
            context.ReportDiagnostic(Diagnostic.Create(descriptor, LocationOf(problem, type, context.CancellationToken), arguments));
        }
    }

    private static Location LocationOf(PolicyProblem problem, INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        if (problem.At is not null) return problem.At;
        if (problem.Attribute is not { } attribute) return type.Locations.Length > 0 ? type.Locations[0] : Location.None;
        if (problem.Argument is null) return ProtocolSdkSymbols.AttributeLocation(attribute, type);
        if (problem.Element >= 0 && ElementSyntax(attribute, problem.Argument, cancellationToken) is { } elements && problem.Element < elements.Count)
        {
            return elements[problem.Element].GetLocation();
        }
        return ProtocolSdkSymbols.ArgumentLocation(attribute, type, problem.Argument, problem.Position);
    }

    /// <summary>The element expressions of <c>Name = new[] { ... }</c>, <c>new string[] { ... }</c> or <c>[ ... ]</c>; null for any other form.</summary>
    private static List<SyntaxNode>? ElementSyntax(AttributeData attribute, string name, CancellationToken cancellationToken)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is not AttributeSyntax { ArgumentList: { } arguments }) return null;
        foreach (var argument in arguments.Arguments)
        {
            if (argument.NameEquals?.Name.Identifier.ValueText != name) continue;
            InitializerExpressionSyntax? initializer = argument.Expression switch
            {
                ArrayCreationExpressionSyntax array => array.Initializer,
                ImplicitArrayCreationExpressionSyntax implicitArray => implicitArray.Initializer,
                _ => null,
            };
            if (initializer is not null) return new List<SyntaxNode>(initializer.Expressions);
            if (argument.Expression is CollectionExpressionSyntax collection)
            {
                var result = new List<SyntaxNode>();
                foreach (var element in collection.Elements)
                {
                    if (element is not ExpressionElementSyntax expression) return null; // a spread: positions unknown
                    result.Add(expression.Expression);
                }
                return result;
            }
            return null;
        }
        return null;
    }
}
