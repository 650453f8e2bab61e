// Names for the workload generator: France's régions and départements (ISO
// 3166-2:FR), and word lists for invented networks, companies and people.

enum FranceTerritories {
    /// The 18 régions with their départements (`"number name"`), metropolitan first.
    static let regions: [(code: String, name: String, members: [String])] = [
        (code: "FR-ARA", name: "Auvergne-Rhône-Alpes", members: ["01 Ain", "03 Allier", "07 Ardèche", "15 Cantal", "26 Drôme", "38 Isère", "42 Loire", "43 Haute-Loire", "63 Puy-de-Dôme", "69 Rhône", "73 Savoie", "74 Haute-Savoie"]),
        (code: "FR-BFC", name: "Bourgogne-Franche-Comté", members: ["21 Côte-d'Or", "25 Doubs", "39 Jura", "58 Nièvre", "70 Haute-Saône", "71 Saône-et-Loire", "89 Yonne", "90 Territoire de Belfort"]),
        (code: "FR-BRE", name: "Bretagne", members: ["22 Côtes-d'Armor", "29 Finistère", "35 Ille-et-Vilaine", "56 Morbihan"]),
        (code: "FR-CVL", name: "Centre-Val de Loire", members: ["18 Cher", "28 Eure-et-Loir", "36 Indre", "37 Indre-et-Loire", "41 Loir-et-Cher", "45 Loiret"]),
        (code: "FR-20R", name: "Corse", members: ["2A Corse-du-Sud", "2B Haute-Corse"]),
        (code: "FR-GES", name: "Grand Est", members: ["08 Ardennes", "10 Aube", "51 Marne", "52 Haute-Marne", "54 Meurthe-et-Moselle", "55 Meuse", "57 Moselle", "67 Bas-Rhin", "68 Haut-Rhin", "88 Vosges"]),
        (code: "FR-HDF", name: "Hauts-de-France", members: ["02 Aisne", "59 Nord", "60 Oise", "62 Pas-de-Calais", "80 Somme"]),
        (code: "FR-IDF", name: "Île-de-France", members: ["75 Paris", "77 Seine-et-Marne", "78 Yvelines", "91 Essonne", "92 Hauts-de-Seine", "93 Seine-Saint-Denis", "94 Val-de-Marne", "95 Val-d'Oise"]),
        (code: "FR-NOR", name: "Normandie", members: ["14 Calvados", "27 Eure", "50 Manche", "61 Orne", "76 Seine-Maritime"]),
        (code: "FR-NAQ", name: "Nouvelle-Aquitaine", members: ["16 Charente", "17 Charente-Maritime", "19 Corrèze", "23 Creuse", "24 Dordogne", "33 Gironde", "40 Landes", "47 Lot-et-Garonne", "64 Pyrénées-Atlantiques", "79 Deux-Sèvres", "86 Vienne", "87 Haute-Vienne"]),
        (code: "FR-OCC", name: "Occitanie", members: ["09 Ariège", "11 Aude", "12 Aveyron", "30 Gard", "31 Haute-Garonne", "32 Gers", "34 Hérault", "46 Lot", "48 Lozère", "65 Hautes-Pyrénées", "66 Pyrénées-Orientales", "81 Tarn", "82 Tarn-et-Garonne"]),
        (code: "FR-PDL", name: "Pays de la Loire", members: ["44 Loire-Atlantique", "49 Maine-et-Loire", "53 Mayenne", "72 Sarthe", "85 Vendée"]),
        (code: "FR-PAC", name: "Provence-Alpes-Côte d'Azur", members: ["04 Alpes-de-Haute-Provence", "05 Hautes-Alpes", "06 Alpes-Maritimes", "13 Bouches-du-Rhône", "83 Var", "84 Vaucluse"]),
        (code: "FR-GP", name: "Guadeloupe", members: ["971 Guadeloupe"]),
        (code: "FR-MQ", name: "Martinique", members: ["972 Martinique"]),
        (code: "FR-GF", name: "Guyane", members: ["973 Guyane"]),
        (code: "FR-RE", name: "La Réunion", members: ["974 La Réunion"]),
        (code: "FR-YT", name: "Mayotte", members: ["976 Mayotte"]),
    ]
}

enum Names {
    static let sectors = ["biotech", "medtech", "numérique", "agroalimentaire", "industrie", "services", "bâtiment",
                          "tourisme", "énergie", "commerce", "logistique", "textile"]
    static let segments = ["post-licenciement", "femmes-entrepreneures", "quartiers-prioritaires", "jeunes", "seniors"]
    private static let first = ["Camille", "Dominique", "Claude", "Alix", "Sacha", "Louise", "Hugo", "Inès", "Malik", "Léa",
                                "Nathan", "Chloé", "Yanis", "Manon", "Karim", "Zoé", "Théo", "Amina", "Jules", "Sarah"]
    private static let last = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
                               "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux"]
    private static let stems = ["Atelier", "Ateliers", "Maison", "Groupe", "Laboratoires", "Studio", "Manufacture", "Compagnie"]
    private static let places = ["du Lez", "de Loire", "des Vosges", "du Rhône", "de l'Étang", "des Alpes", "de Garonne",
                                 "du Bocage", "de la Côte", "des Causses", "du Vexin", "de Beauce"]
    private static let trades = ["Biotech", "Mécanique", "Numérique", "Bois", "Textile", "Conseil", "Énergie", "Saveurs"]
    private static let networkKinds = ["Club", "Réseau", "Cercle", "Pôle", "Association", "Collectif"]
    private static let networkTopics = ["des entrepreneurs", "des dirigeants", "innovation", "industrie", "croissance",
                                        "export", "santé", "numérique"]

    static func network(_ random: inout SplitMix64) -> String {
        "\(networkKinds[random.below(networkKinds.count)]) \(networkTopics[random.below(networkTopics.count)]) \(places[random.below(places.count)])"
    }

    static func program(_ kind: ProgramKind, _ random: inout SplitMix64) -> String {
        let base = switch kind {
        case .club: "Club"
        case .peerBoard: "Bureau des pairs"
        case .mentoringCircle: "Cercle de mentorat"
        case .entrepreneurshipHub: "Pépinière"
        default: "Programme"
        }
        return "\(base) \(places[random.below(places.count)])"
    }

    static func company(_ random: inout SplitMix64) -> String {
        "\(stems[random.below(stems.count)]) \(trades[random.below(trades.count)]) \(places[random.below(places.count)])"
    }

    static func leader(_ random: inout SplitMix64) -> (name: String, email: String) {
        let f = first[random.below(first.count)], l = last[random.below(last.count)]
        return ("\(f) \(l)", "\(f.lowercased()).\(l.lowercased())@example.fr")
    }

    static func facilitator(_ random: inout SplitMix64) -> String {
        "\(first[random.below(first.count)]) \(last[random.below(last.count)])"
    }
}
